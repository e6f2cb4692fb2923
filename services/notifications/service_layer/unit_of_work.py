"""The notifications unit of work."""

from services.notifications.adapters.directory import Directory, Settings
from services.notifications.adapters.repository import Channels, Notifications
from shared.uow import UnitOfWork


class NotificationsUnitOfWork(UnitOfWork):
    channels: Channels
    notifications: Notifications
    directory: Directory
    settings: Settings

    def on_enter(self) -> None:
        self.channels = Channels(self.session)
        self.notifications = Notifications(self.session)
        self.directory = Directory(self.session)
        self.settings = Settings(self.session)
