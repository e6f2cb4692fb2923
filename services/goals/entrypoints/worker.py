"""Worker entry point: `python -m services.goals.entrypoints.worker`."""

from services.goals.bootstrap import bootstrap

if __name__ == "__main__":
    bootstrap().run_worker()
