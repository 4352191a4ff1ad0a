"""All configuration in one place, read from the environment (prefix ``NP_``)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every limit of the REST contract is a setting; the defaults are the contract's."""

    model_config = SettingsConfigDict(env_prefix="NP_", extra="ignore")

    # Serving
    host: str = Field("127.0.0.1", description="Interface uvicorn binds to.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port.")
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes.")
    log_level: str = Field("info", description="debug, info, warning, error.")

    # Network shape
    max_layers: int = Field(8, ge=1, description="Most layers in a network.")
    max_units: int = Field(64, ge=1, description="Most units in one layer.")

    # Request sizes
    max_points: int = Field(100_000, ge=1, description="Most x values in evaluate/forward.")
    max_rows: int = Field(10_000, ge=1, description="Most data rows in a training request.")
    max_epochs: int = Field(100_000, ge=1, description="Most epochs in a training request.")
    max_history: int = Field(
        1_000, ge=2, description="Most history entries (record_every is raised to fit)."
    )
    max_formula_length: int = Field(500, ge=1, description="Longest formula, in characters.")
    max_grid_points: int = Field(1_000, ge=2, description="Most grid points a stream draws.")
    max_body_bytes: int = Field(2 * 1024 * 1024, ge=1024, description="Largest request body.")

    # Training sessions
    max_sessions: int = Field(64, ge=1, description="Concurrent training sessions per process.")
    snapshot_rate: float = Field(30.0, gt=0, description="Most snapshots a second per session.")
    session_idle_seconds: float = Field(
        600.0, gt=0, description="A paused session idle this long is ended."
    )
    shutdown_grace_seconds: float = Field(
        5.0, gt=0, le=300, description="On SIGTERM, how long running sessions get to say goodbye."
    )
    train_time_slice: float = Field(
        0.02, gt=0, le=1, description="Longest stretch of training work between two yields (s)."
    )

    # Security
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to open a WebSocket, besides the page's own (same origin).",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
