using Microsoft.Extensions.Options;
using Signaling.Hub.Common;

namespace Signaling.Hub.Rooms;

/// <summary>
/// Removes rooms that stayed empty for <see cref="RoomOptions.EmptyRoomTimeout"/> (inactive members
/// go with them) and closes rooms that reached their maximum duration, when their deadline comes.
/// </summary>
public sealed class RoomJanitor(
    IRoomStore store,
    RoomService rooms,
    DeadlineTimer<RoomJanitor> deadlines,
    IOptionsMonitor<RoomOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        deadlines.RunAsync(SweepAsync, SafetyInterval, stoppingToken);

    private async Task<(int, long?)> SweepAsync(long now, CancellationToken cancellationToken)
    {
        var idleFor = options.CurrentValue.EmptyRoomTimeoutMs;
        var closed = 0;
        foreach (var room in await store.FindExpiredRoomsAsync(now - idleFor, now, cancellationToken))
        {
            if (await rooms.CloseExpiredAsync(room.RoomId, now - idleFor, now))
            {
                closed++;
            }
        }

        return (closed, await store.NextDeadlineAsync(idleFor, now, cancellationToken));
    }

    /// <summary>
    /// A quarter of the timeout (capped), so a room emptied where this instance did not see it (on
    /// another instance, before a restart) is learned of well before its deadline.
    /// </summary>
    private TimeSpan SafetyInterval() =>
        TimeSpan.FromTicks(Math.Clamp(options.CurrentValue.EmptyRoomTimeout.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
}
