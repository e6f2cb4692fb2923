"""Worker entry point: `python -m services.checkins.entrypoints.worker`."""

from services.checkins.bootstrap import bootstrap

if __name__ == "__main__":
    bootstrap().run_worker()
