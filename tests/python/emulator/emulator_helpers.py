"""Helpers of the emulator tests: a plain HTTP client and validators for Spotify's official schemas."""

from typing import Any

import openapi_schema_validator
import requests

from spotify_enrichment_dev.emulator_process import EmulatorProcess

ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    429: "TooManyRequests",
}


class SpotifyClient:
    """Plain HTTP calls against one emulator, the way any Spotify client makes them."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.emulator = emulator
        self.session = requests.Session()

    def request_token(
        self, client_id: str | None = None, client_secret: str | None = None
    ) -> requests.Response:
        credentials = (client_id or self.emulator.client_id, client_secret or self.emulator.client_secret)
        return self.session.post(
            self.emulator.accounts_url + "/api/token",
            data={"grant_type": "client_credentials"},
            auth=credentials,
            timeout=10,
        )

    def token(self) -> str:
        answer = self.request_token()
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def get(self, path: str, token: str | None = None, **params: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.token()}"}
        return self.session.get(self.emulator.api_url + path, params=params, headers=headers, timeout=10)

    def several_artists(self, artist_ids: list[str], token: str | None = None) -> requests.Response:
        return self.get("/artists", token, ids=",".join(artist_ids))

    def one_artist(self, artist_id: str, token: str | None = None) -> requests.Response:
        return self.get(f"/artists/{artist_id}", token)


class SpotifyContract:
    """Validators for the schemas of Spotify's official OpenAPI spec, with its components resolvable."""

    def __init__(self, spec: dict[str, Any]) -> None:
        components = spec["components"]
        self.artist_properties = set(components["schemas"]["ArtistObject"]["properties"])
        many_artists = components["responses"]["ManyArtists"]["content"]["application/json"]["schema"]
        self._artist = self._validator({"$ref": "#/components/schemas/ArtistObject"}, components)
        self._many_artists = self._validator(many_artists, components)
        self._error_object = self._validator({"$ref": "#/components/schemas/ErrorObject"}, components)
        self._error_responses = {
            status: self._validator(components["responses"][name], components, content=True)
            for status, name in ERROR_RESPONSES.items()
        }

    @staticmethod
    def _validator(schema: dict[str, Any], components: dict[str, Any], *, content: bool = False):
        if content:
            schema = schema["content"]["application/json"]["schema"]
        return openapi_schema_validator.OAS30Validator({**schema, "components": components})

    def validate_artist(self, artist: Any) -> None:
        self._artist.validate(artist)
        # The spec does not forbid extra keys; an emulator inventing keys is still a bug.
        assert set(artist) <= self.artist_properties, set(artist) - self.artist_properties

    def validate_many_artists(self, body: Any) -> None:
        """The spec's ManyArtists does not declare `null` items, yet Spotify answers unknown IDs with
        `null` in place (as DESIGN.md records): the envelope is validated without the nulls, and every
        artist object on its own."""
        self._many_artists.validate({**body, "artists": [a for a in body["artists"] if a is not None]})
        for artist in body["artists"]:
            if artist is not None:
                self.validate_artist(artist)

    def validate_error(self, body: Any, status: int) -> None:
        """`{"error": ErrorObject}`: the spec's response for 400/401/403/404/429 (it names none for 5xx)."""
        if status in self._error_responses:
            self._error_responses[status].validate(body)
        self._error_object.validate(body["error"])
        assert body["error"]["status"] == status
