"""The notifications unit of work."""

from services.notifications.adapters.repository import Channels, Directory, Notifications
from shared.uow import UnitOfWork


class NotificationsUnitOfWork(UnitOfWork):
    channels: Channels
    notifications: Notifications
    directory: Directory

    def on_enter(self) -> None:
        self.channels = Channels(self.session)
        self.notifications = Notifications(self.session)
        self.directory = Directory(self.session)
