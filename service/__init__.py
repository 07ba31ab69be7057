"""The edges of TopicPulse: the FastAPI app and the command line. Both call pipelines/."""
