"""TopicPulse's configuration: the one settings object, and the cron syntax it accepts.

Why a top-level package: every layer reads configuration (``service/`` builds it, ``pipelines/``
passes it down, ``models/`` takes its parameter sections, ``store/`` its paths), and dependencies
point one way, so it cannot live in any of them without a layer importing upwards. It depends on
nothing of TopicPulse and nothing heavy (pydantic only): loading settings starts no scheduler,
model or database.

Each model's parameters are declared once, here, as a ``Section`` of the settings, and that
section *is* the model's parameter object: the model class takes it whole
(``SomeModel(settings.some_model)``), reads its fields by name, records ``params.values()`` with
its run and rebuilds it with ``SomeSettings.model_validate(recorded)``. A new parameter is one field
with its default, bounds and description; nothing repeats the list (no keyword-by-keyword
constructor, no ``config()`` dict written out again). A section may hold fields only the pipeline
uses (batch sizes, lineage thresholds); the model ignores them.
"""

from config.cron import CronExpression, parse_cron
from config.errors import TopicPulseError
from config.settings import (
    AlertSettings,
    EmbeddingSettings,
    ForecastSettings,
    IngestSettings,
    ScheduleSettings,
    Section,
    SentimentSettings,
    ServiceSettings,
    Settings,
    StoreSettings,
    TopicSettings,
    load_settings,
)

__all__ = [
    "AlertSettings",
    "CronExpression",
    "EmbeddingSettings",
    "ForecastSettings",
    "IngestSettings",
    "ScheduleSettings",
    "Section",
    "SentimentSettings",
    "ServiceSettings",
    "Settings",
    "StoreSettings",
    "TopicPulseError",
    "TopicSettings",
    "load_settings",
    "parse_cron",
]
