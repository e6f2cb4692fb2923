"""Worker entry point: `python -m services.notifications.entrypoints.worker`."""

from services.notifications.bootstrap import bootstrap

if __name__ == "__main__":
    bootstrap().run_worker()
