using Microsoft.Extensions.Options;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Common;

namespace Signaling.Hub.Rooms;

/// <summary>
/// Removes rooms that stayed empty for <see cref="RoomOptions.EmptyRoomTimeout"/> (inactive members
/// go with them) and closes rooms that reached their maximum duration.
/// </summary>
public sealed partial class RoomJanitor(
    IRoomStore store,
    RoomService rooms,
    IOptionsMonitor<RoomOptions> options,
    TimeProvider time,
    ILogger<RoomJanitor> logger) : BackgroundService
{
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.NowMs();
        var idleBefore = now - (long)options.CurrentValue.EmptyRoomTimeout.TotalMilliseconds;
        var closed = 0;
        foreach (var room in await store.FindExpiredRoomsAsync(idleBefore, now, cancellationToken))
        {
            if (await rooms.CloseAsync(room.RoomId, RoomClosedReason.Expired))
            {
                closed++;
            }
        }

        return closed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Sweeping at a quarter of the timeout bounds how late a room goes; capped for long timeouts.
        var period = TimeSpan.FromTicks(Math.Clamp(options.CurrentValue.EmptyRoomTimeout.Ticks / 4, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(period, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Room sweep failed; retrying at the next tick")]
    private partial void LogSweepFailed(Exception exception);
}
