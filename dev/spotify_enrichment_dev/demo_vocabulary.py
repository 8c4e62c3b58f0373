"""Words the demo-data generator builds from: real Spotify genre names and parts of made-up names."""

# fmt: off
# Real Spotify genre names, most common first (from MusicOSet's artist metadata); genre names are facts.
GENRES: tuple[str, ...] = (
    "rock", "pop", "dance pop", "hip hop", "pop rap", "rap", "modern rock", "folk rock", "pop rock",
    "folk-pop", "mellow gold", "soft rock", "southern hip hop", "album rock", "urban contemporary",
    "singer-songwriter", "new wave pop", "classic rock", "alternative metal", "quiet storm", "gangster rap",
    "hard rock", "indie rock", "funk", "r&b", "country", "alternative rock", "post-grunge", "country rock",
    "trap music", "soul", "indie pop", "disco", "roots rock", "art rock", "contemporary country", "folk",
    "dance rock", "bubblegum pop", "hip pop", "brill building pop", "motown", "nu metal", "indie folk",
    "adult standards", "classic soul", "post-teen pop", "new wave", "blues-rock", "pop punk", "neo soul",
    "hardcore hip hop", "new jack swing", "classic uk pop", "neo mellow", "country road",
    "psychedelic rock", "new romantic", "stomp and holler", "indietronica", "screamo", "garage rock",
    "post-disco", "dirty south rap", "southern soul", "christian music", "metal", "chamber pop",
    "outlaw country", "rap rock", "christian alternative rock", "traditional country", "emo", "jazz funk",
    "groove metal", "ccm", "worship", "rock-and-roll", "electropop", "lilith", "nashville sound", "europop",
    "glam metal", "metalcore", "east coast hip hop", "alternative hip hop", "melodic metalcore", "new rave",
    "modern country rock", "uk pop", "traditional folk", "new americana", "country gospel", "lounge",
    "permanent wave", "merseybeat", "art pop", "hip house", "dance-punk", "latin", "atl hip hop", "punk",
    "symphonic rock", "edm", "alternative dance", "alternative country", "synthpop", "power pop",
    "noise pop", "tropical house", "freak folk", "rockabilly", "jazz fusion", "vocal jazz", "gospel",
    "electric blues", "country dawn", "acoustic pop", "pub rock", "easy listening", "electronic",
    "progressive rock", "comic", "christian rock", "lo-fi", "heartland rock", "tropical", "deep pop r&b",
    "yacht rock", "anthem worship", "texas country", "underground hip hop", "classic garage rock",
    "dream pop", "karaoke", "west coast rap", "rhythm and blues", "indie poptimism", "post-hardcore",
    "latin pop", "modern blues", "electro house", "neon pop punk", "conscious hip hop", "industrial metal",
    "speed metal", "australian pop", "freestyle", "post-punk", "hollywood", "pop emo", "soundtrack",
    "piano rock", "british invasion", "dreamo", "g funk", "world worship", "blues", "electro",
    "southern rock", "britpop", "jangle pop", "soul jazz", "cowboy western", "protopunk",
    "progressive metal", "doo-wop", "metropopolis", "boy band", "chillwave", "old school hip hop",
    "skate punk", "eurodance", "melancholia", "jam band", "freakbeat", "smooth jazz", "scorecore",
    "industrial rock", "shimmer pop", "regional mexican", "philly soul", "british blues", "glam rock",
    "turntablism", "viral pop", "modern blues rock", "anti-folk", "classic canadian rock", "deathcore",
    "country pop", "reggae fusion", "indiecoustica", "cool jazz", "jazz", "candy pop", "northern soul",
    "melodic hardcore", "latin hip hop", "crunk", "trip hop", "sleaze rock", "death metal", "funk metal",
    "comedy", "slow core", "alternative pop", "classic soundtrack", "post-screamo", "alternative emo",
    "grupera", "experimental rock", "alternative r&b", "redneck", "rap metal", "nu gaze", "banda",
    "norteno", "pixie", "bebop", "canterbury scene", "noise rock", "red dirt", "girl group",
    "progressive bluegrass", "memphis soul", "contemporary post-bop", "operatic pop", "grunge",
    "canadian pop", "reggaeton", "bubblegum dance", "punk blues", "thrash metal", "show tunes",
    "chicago soul", "progressive post-hardcore", "big room", "escape room", "west coast trap",
)

# Name parts; a share carry non-ASCII letters so names exercise UTF-8 end to end.
NAME_FIRST: tuple[str, ...] = (
    "The", "Velvet", "Neon", "Silver", "Midnight", "Golden", "Electric", "Paper", "Crystal", "Wild",
    "Lonely", "Broken", "Northern", "Southern", "Little", "Big", "Young", "Old", "Blue", "Red", "Black",
    "White", "Hollow", "Glass", "Iron", "Lucky", "Sleepy", "Sonic", "Cosmic", "Quiet", "DJ", "MC", "Lil",
    "Saint", "Dr.", "Captain", "Sister", "Brother", "Mister", "Lady", "Mötley", "Café", "Señor", "Björn",
    "Zoë", "Ålborg", "Øresund", "Ça Va", "Dvořák", "Łódź", "Sigur", "Ñandú", "Straße", "東京", "夜の", "Дом",
    "Белый", "서울", "Ελληνικό", "Año",
)

NAME_SECOND: tuple[str, ...] = (
    "Foxes", "Harbour", "Lights", "Echoes", "Rivers", "Machines", "Hearts", "Kids", "Wolves", "Tides",
    "Garden", "Avenue", "Club", "Society", "Orchestra", "Collective", "Brothers", "Sisters", "Band", "Trio",
    "Parade", "Signal", "Motel", "Horizon", "Static", "Summer", "Winter", "Monday", "Satellites", "Ghosts",
    "Ray", "Nova", "Jones", "Rivera", "Kim", "Okafor", "Nakamura", "Larsen", "Moreau", "Rossi", "Rós",
    "Fjörd", "Mañana", "Niño", "Dreßler", "Øya", "Señorita", "Crème", "Kraków", "Zürich", "Sakura", "音楽",
    "Волна", "Ночь", "하늘", "Μουσική", "Corazón", "Été", "Ljós", "İstanbul",
)

TRACK_WORDS: tuple[str, ...] = (
    "Love", "Night", "Dance", "Fire", "Rain", "Home", "Heart", "Dream", "Light", "Road", "Time", "Gold",
    "Sky", "Ocean", "Stars", "Ghost", "City", "Summer", "Blue", "Wild", "Forever", "Tonight", "Again",
    "Alone", "Together", "Runaway", "Echo", "Shadow", "Paradise", "Fever", "Corazón", "Nuit", "Été",
    "Liebe", "Sommer", "Amore", "夢", "Сердце", "Noche", "Ljós",
)
# fmt: on
