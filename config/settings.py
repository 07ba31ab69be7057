"""The one configuration object, read from TOPICPULSE_* environment variables and a named TOML file.

Precedence, highest first: keyword arguments, environment variables (nested with ``__``, for
example ``TOPICPULSE_INGEST__TIMEZONE``), the TOML file, then the defaults below. A TOML file is
read only when it is named: ``load_settings(config_file)`` (the CLI's ``--config``) or
``TOPICPULSE_CONFIG``. ``Settings()`` itself never reads a file, so a ``topicpulse.toml`` lying in
the working directory cannot change a test or a command silently.

Settings are frozen: built once at the edge and passed down, nobody changes them on the way (a
variant is ``settings.model_copy(update=...)``, a new object).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from config.cron import parse_cron


class Section(BaseModel):
    """A frozen group of settings; a model's section is also its parameter object (see config/__init__.py)."""

    model_config = ConfigDict(frozen=True)

    def values(self) -> dict[str, object]:
        """The fields as plain JSON values: what a saved model or a fingerprint records."""
        return self.model_dump(mode="json")


def known_timezone(value: str) -> str:
    """``value`` if it is an IANA time zone name; raises ValueError otherwise."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Ho_Chi_Minh") from exc
    return value


TimeZoneName = Annotated[str, AfterValidator(known_timezone)]


class StoreSettings(Section):
    """Where the DuckDB file lives; relative paths are under ``data_dir``."""

    path: Path = Path("topicpulse.duckdb")


class IngestSettings(Section):
    timezone: TimeZoneName = Field("Asia/Ho_Chi_Minh", description="Time zone for timestamps that carry none.")
    max_text_chars: int = Field(5000, gt=0, description="Longer comments are rejected, not cut.")
    batch_rows: int = Field(
        20_000, gt=0, description="Rows per insert chunk while streaming a file; each file is one transaction."
    )
    redact_pii: bool = Field(True, description="Replace URLs, e-mails, phones and ID numbers.")
    keep_raw_text: bool = Field(False, description="Also store the text as received (opt-in).")
    author_hash_key: SecretStr | None = Field(
        None, description="Key for the keyed author hash; without it authors are dropped."
    )


class EmbeddingSettings(Section):
    model: str | None = Field(
        None, description="Hugging Face id or local folder; None means the offline multilingual default."
    )
    device: str | None = Field(None, description="cuda, mps or cpu; None picks automatically.")
    backend: str = Field(
        "auto", description="auto (int8 ONNX on CPU, torch on GPU), torch, or onnx (CPU only)."
    )
    batch_size: int | None = Field(None, gt=0, description="None picks one that fits the device.")
    max_seq_length: int = Field(256, gt=0)
    prompt: str | None = Field(None, description="Prefix for every text; e5 models use 'query: '.")
    write_batch: int = Field(2048, gt=0, description="Vectors written per transaction.")
    cache_dir: Path | None = Field(
        None, description="Model cache (converted default model, ONNX exports), shared by every store on the machine; "
        "None: $XDG_CACHE_HOME/topicpulse or ~/.cache/topicpulse; a relative path is taken relative to data_dir."
    )


class TopicSettings(Section):
    """Topic runs: ``models.topics.TopicModel`` takes this section whole (its docstring explains
    each field); ``restore_diacritics``, ``lineage_*`` and ``refit_*`` are the pipeline's. None
    means "scale with the corpus size"."""

    sample_size: int = Field(100_000, ge=10, description="Fit on at most this many comments; the rest get the nearest topic.")
    random_state: int = 42
    restore_diacritics: bool = Field(
        True, description="Fit Vietnamese typed without diacritics on its restored spelling (models.diacritics)."
    )
    n_neighbors: int | None = Field(None, gt=1, description="UMAP neighbours; None: clamp(sqrt(n)/6, 15, 50).")
    n_components: int = Field(5, gt=1)
    min_cluster_size: int | None = Field(None, gt=1, description="HDBSCAN; None: max(5, sqrt(n)/2).")
    min_samples: int | None = Field(None, gt=0, description="HDBSCAN; None: max(2, min_cluster_size/4).")
    top_n_words: int = Field(10, gt=1, description="Keywords kept per topic.")
    representation: str = Field("ctfidf", description="ctfidf, mmr, keybert or keybert+mmr (keyword refinement).")
    reduce_frequent_words: bool = Field(False, description="Damp words frequent in all topics (more diverse, less coherent).")
    mmr_diversity: float = Field(0.3, ge=0, le=1)
    min_topic_share: float = Field(0.05, ge=0, lt=1, description="Share of a topic's comments a keyword must occur in; 0: off.")
    min_df: int | None = Field(None, gt=0, description="Comments a keyword must be in; None: max(2, n/5000).")
    max_df: float = Field(0.5, gt=0, le=1, description="Share of comments above which a word is no keyword.")
    n_representatives: int = Field(5, gt=0, description="Example comments kept per topic.")
    merge_topics: bool = Field(True, description="Merge topics on one subject, across languages (models.topic_merge).")
    merge_similarity: float = Field(0.3, gt=0, le=1, description="Language-centred centroid cosine at which topics merge.")
    outlier_strategy: str = Field("embeddings", description="BERTopic reduce_outliers strategy: embeddings, c-tf-idf or none.")
    outlier_threshold: float | None = Field(
        None, description="Similarity an outlier needs to join its nearest topic; None: for 'embeddings', "
        "the 5th percentile of clustered comments' cosine to their topic, for 'c-tf-idf', 0.1."
    )
    assign_threshold: float | None = Field(
        None, description="Cosine to a topic below which a comment is unassigned; None: per topic, "
        "the 5th percentile of its clustered comments."
    )
    assign_batch: int = Field(20_000, gt=0, description="Comments per batch when assigning.")
    cluster_backend: Literal["auto", "cpu", "cuml"] = Field(
        "auto", description="UMAP + HDBSCAN from cuML (auto: when cuML imports and a GPU is visible) or the CPU pair."
    )
    lineage_min_score: float = Field(0.5, ge=0, le=1, description="Match score that links a topic to a previous one.")
    lineage_centroid_weight: float = Field(0.6, ge=0, le=1, description="Weight of centroid cosine vs keyword overlap.")
    refit_unassigned_share: float = Field(0.25, description="Unassigned share that makes a re-fit due.")
    refit_max_age_days: int = Field(30, description="Run age that makes a re-fit due.")


class AlertSettings(Section):
    """Thresholds of the alert rules (pipelines/alerts.py explains each rule)."""

    scan_days: int = Field(21, gt=0, description="Days back from the latest day that each run checks.")
    recent_days: int = Field(7, gt=0, description="Window judged for emerging topics and unassigned growth.")
    baseline_days: int = Field(28, gt=0, description="Window before the recent one that it is compared with.")
    cooldown_days: int = Field(30, ge=0, description="Days within which a topic's emerging/fading alert (or the unassigned one) is not repeated.")
    emerging_min_count: int = Field(30, gt=0, description="Comments in the recent window for a topic to be emerging.")
    emerging_max_baseline: float = Field(2.0, ge=0, description="Daily mean before, at most, for 'new or tiny'.")
    emerging_min_growth: float = Field(4.0, gt=1, description="(recent median + 1) / (baseline mean + 1), at least.")
    surge_baseline_days: int = Field(
        28, gt=0, description="Days before a day whose median is a topic's usual level; a topic needs as many to surge."
    )
    surge_min_ratio: float = Field(2.0, gt=1, description="A surge day has this many times the usual level, at least.")
    surge_max_p: float = Field(
        0.02, gt=0, lt=1, description="Poisson chance of a count that high on a usual day, at most (1 -> 3 is no surge)."
    )
    surge_min_level: float = Field(1.0, gt=0, description="The usual level counts as at least this (topics usually silent).")
    fading_days: int = Field(56, gt=1, description="Recent window over which a decline must last.")
    fading_baseline_days: int = Field(56, gt=0, description="Window before it that it is compared with.")
    fading_max_ratio: float = Field(0.7, gt=0, lt=1, description="Each half of that window, at most this x baseline.")
    fading_min_baseline: float = Field(3.0, ge=0, description="Daily mean before, at least, to be worth a fading alert.")
    unassigned_min_rise: float = Field(0.05, gt=0, description="Rise in the unassigned share, at least (0.05 = 5 points).")
    unassigned_min_count: int = Field(20, ge=0, description="Unassigned comments in the recent window, at least.")
    negative_min_ratio: float = Field(
        2.0, gt=1, description="A topic's negative share over the recent window, at least this x the baseline window's."
    )
    negative_min_rise: float = Field(0.1, gt=0, le=1, description="Rise of that share, at least (0.1 = 10 points).")
    negative_min_count: int = Field(10, gt=0, description="Negative comments in the recent window, at least.")
    negative_min_baseline: int = Field(
        20, gt=0, description="Sentiment-scored comments in the baseline window, at least, for its share to be judged."
    )


class ForecastSettings(Section):
    """Forecasts: ``models.forecast.TopicForecaster`` takes this section whole (models/forecast.py
    explains the candidates, the backtest and the guard rail); ``weekly``, ``workers`` and
    ``alerts`` are the pipeline's."""

    horizon_days: int = Field(30, gt=0, description="Days forecast after the last one; the backtest folds are as long.")
    horizon_weeks: int = Field(8, gt=0, description="Weeks forecast after the last one; the backtest folds are as long.")
    interval_width: float = Field(0.8, gt=0, lt=1, description="Probability mass of the forecast interval.")
    backtest_folds: int = Field(3, ge=1, description="Rolling origins at most, each forecasting the served horizon.")
    min_history_days: int = Field(14, ge=14, description="Training days before the first fold; shorter series get seasonal naive.")
    min_history_weeks: int = Field(8, ge=2, description="Training weeks before the first fold; shorter series get seasonal naive.")
    min_fold_days: int = Field(7, gt=0, description="Shortest fold when the history is too short for a full-horizon one.")
    min_fold_weeks: int = Field(4, gt=0, description="Shortest weekly fold when the history is too short for a full one.")
    sparse_share: float = Field(
        0.5, ge=0, le=1, description="Series with comments on fewer steps than this share get the intermittent models."
    )
    ets_model: str = Field("ZNA", description="AutoETS search space (error, trend, season); Z lets it choose.")
    combine_top_k: int = Field(3, ge=2, description="The combination is the median of the best k candidates.")
    combine_margin: float = Field(
        0.1, ge=0, lt=1, description="A single model is served over the combination only if its MASE is this share lower."
    )
    prophet: Literal["auto", "always", "never"] = Field(
        "auto", description="auto: backtest Prophet only where a Tết it has seen falls in a fold or the horizon."
    )
    prophet_min_tet_effect: float = Field(
        0.15, ge=0, description="auto: and only where that Tết moved volume by this share against the weeks around it."
    )
    uncertainty_samples: int = Field(200, ge=1, description="Prophet's default 1000 makes predict slower than fit.")
    holidays: bool = Field(True, description="Prophet models Vietnamese public holidays and Tết (±7 days).")
    changepoint_prior_scale: float = Field(0.05, gt=0, description="Prophet's trend flexibility.")
    log_transform: bool = Field(False, description="Prophet fits log1p(counts) instead of clipping at zero.")
    model: str = Field("auto", description="auto (the backtest's choice) or a candidate's name to serve it whatever the backtest says.")
    random_seed: int | None = Field(0, description="Seed of Prophet's interval draws: same series, same bounds.")
    weekly: bool = Field(True, description="Also forecast weekly volumes (horizon_weeks ahead).")
    workers: int = Field(2, ge=1, description="Processes fitting topics in parallel.")
    alerts: AlertSettings = Field(default_factory=AlertSettings)


class SentimentSettings(Section):
    """Sentiment per comment (``models.sentiment.SentimentClassifier`` takes this section whole):
    a logistic regression on the embeddings of the project's own labelled examples."""

    enabled: bool = Field(True, description="Score each embedded comment's sentiment after embedding.")
    regularisation: float = Field(
        1.0, gt=0, description="LogisticRegression C, chosen on UIT-VSFC dev (bench/sentiment.py); test held out."
    )
    max_iter: int = Field(2000, gt=0, description="LogisticRegression iterations, at most.")
    score_batch: int = Field(4096, gt=0, description="Cached vectors read back and scored per transaction.")


class RaySettings(Section):
    """The Ray cluster used when ``engine = "ray"`` (see ``pipelines/ray_engine.py``)."""

    address: str | None = Field(
        None, description="Cluster to join, e.g. ray://head:10001 or auto; None starts a local Ray in this process."
    )
    workers: int | None = Field(None, gt=0, description="Parallel workers; None: one per CPU of the cluster.")
    cpus_per_worker: int = Field(1, gt=0, description="CPUs (and torch threads) each embedding worker takes.")


class ScheduleSettings(Section):
    """When scheduled jobs run (crontab syntax; an empty string turns a job off).

    The missed-run policy is described in ``pipelines/schedule.py``.
    """

    enabled: bool = Field(False, description="Run the schedule inside the service.")
    watch_dir: Path = Field(Path("inbox"), description="Folder of new comment files, relative to data_dir.")
    inbox_settle_seconds: int = Field(
        30, ge=0, description="Files changed more recently than this are left for the next run (still being copied)."
    )
    ingest_cron: str = Field("0 * * * *", description="ingest_inbox: ingest new files from watch_dir.")
    nightly_cron: str = Field("30 1 * * *", description="nightly: assign new comments, re-forecast, alerts.")
    refit_cron: str = Field("0 3 * * 0", description="refit: embed, re-fit topics, re-forecast.")
    timezone: TimeZoneName = Field("Asia/Ho_Chi_Minh", description="Time zone the cron times are read in.")
    misfire_grace_minutes: int = Field(
        60, ge=1, description="A run missed by at most this long still runs once; older misses wait for the next slot."
    )

    @field_validator("ingest_cron", "nightly_cron", "refit_cron")
    @classmethod
    def _cron_is_valid(cls, value: str) -> str:
        value = value.strip()
        if value:
            parse_cron(value)
        return value


class ServiceSettings(Section):
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 20 * 1024 * 1024
    max_batch: int = 1000
    max_page_size: int = 500
    cors_origins: list[str] = Field(default_factory=list)
    docs: bool = Field(True, description="Serve /api/v1/docs and its OpenAPI schema (no data) without a key.")
    key_cache_seconds: float = Field(
        5.0, ge=0, description="How long a checked API key is trusted without asking the store; a key revoked "
        "other than through the API keeps working at most this long."
    )
    cache_max_entries: int = Field(512, ge=0, description="Cached read responses kept, at most.")
    cache_max_bytes: int = Field(64 * 1024 * 1024, ge=0, description="Bytes of cached read responses kept, at most.")
    max_response_bytes: int = Field(
        8 * 1024 * 1024, gt=0, description="A cached read's answer above this size is refused (422), not sent."
    )


class Settings(BaseSettings):
    """All of TopicPulse's configuration. Build it once at the edge and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="TOPICPULSE_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    data_dir: Path = Path("data")
    log_level: str = "INFO"
    engine: Literal["local", "ray"] = Field(
        "local", description="Where embed, assign and forecast run: this process (and its pool), or Ray."
    )
    ray: RaySettings = Field(default_factory=RaySettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    sentiment: SentimentSettings = Field(default_factory=SentimentSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = (init_settings, env_settings)
        if settings_cls.model_config.get("toml_file"):
            sources += (TomlConfigSettingsSource(settings_cls),)
        return sources

    def resolve(self, path: Path) -> Path:
        """A configured path, taken relative to ``data_dir`` unless it is absolute."""
        return path if path.is_absolute() else self.data_dir / path

    @property
    def store_path(self) -> Path:
        return self.resolve(self.store.path)

    def updated(self, section: str, **fields: object) -> Settings:
        """A copy with some fields of one section changed, checked like the original (settings are frozen)."""
        current = getattr(self, section)
        changed = type(current).model_validate({**current.model_dump(), **fields})
        return self.model_copy(update={section: changed})


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment and a TOML file (``config_file``, else ``TOPICPULSE_CONFIG``).

    Raises FileNotFoundError when a TOML file is named but absent, so a typo is not ignored.
    """
    named = config_file or os.environ.get("TOPICPULSE_CONFIG")
    if not named:
        return Settings(**overrides)
    path = Path(named)
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} does not exist")

    class SettingsFromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    return SettingsFromFile(**overrides)
