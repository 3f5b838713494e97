using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Hub.Infrastructure.Sqlite;
using Signaling.Hub.Rooms;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests;

/// <summary>
/// The sweep that removes empty rooms finds them first and removes them after; a join that lands in
/// between must keep the room, not be closed with it. The test holds the sweep between the two.
/// </summary>
public sealed class RoomExpiryRaceTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly HeldSweep _sweep = new();
    private readonly SignalingApplication _app;

    public RoomExpiryRaceTests() => _app = new SignalingApplication(
        new Dictionary<string, string?> { ["Signaling:Rooms:EmptyRoomTimeout"] = "00:05:00" },
        time: _time,
        services: s => s.AddSingleton<IRoomStore>(sp => new HoldingRoomStore(sp.GetRequiredService<SqliteRoomStore>(), _sweep)));

    [Fact]
    public async Task A_join_between_the_sweep_finding_an_empty_room_and_removing_it_keeps_the_room()
    {
        using var http = _app.CreateHttpClient(Tokens.Create("alice"));
        // Off the rhythm of a periodic sweep (a quarter of the timeout), as in RoomsApiTests.
        _time.Advance(TimeSpan.FromSeconds(10));
        var alice = await _app.JoinAsync("alice", "race");
        await alice.DisposeAsync();
        var left = await Eventually.Until(async () => (await http.GetFromJsonAsync<RoomDetails>("/api/rooms/race"))!.Members.Single(), m => !m.IsActive);

        _sweep.Hold("race");
        _time.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(left.LastSeen + (long)TimeSpan.FromMinutes(5).TotalMilliseconds + 1));
        await _sweep.Found.WaitAsync(Timeouts.Default);

        await using var bob = await _app.JoinAsync("bob", "race");
        _sweep.Release();
        await _sweep.Finished.WaitAsync(Timeouts.Default);

        var room = await http.GetFromJsonAsync<RoomDetails>("/api/rooms/race");
        Assert.Contains(room!.Members, m => m is { PeerId: "bob", IsActive: true });
        Assert.Empty(bob.Pending(nameof(ISignalingClient.RoomClosed)));
    }

    public void Dispose() => _app.Dispose();

    /// <summary>Holds the first sweep that finds the given room until released, and tells when that sweep is over.</summary>
    private sealed class HeldSweep
    {
        private readonly TaskCompletionSource _found = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _roomId;

        public Task Found => _found.Task;

        public Task Finished => _finished.Task;

        public void Hold(string roomId) => Volatile.Write(ref _roomId, roomId);

        public void Release() => _released.TrySetResult();

        public async Task AfterFindAsync(IReadOnlyList<RoomRecord> found)
        {
            if (Volatile.Read(ref _roomId) is { } roomId && found.Any(r => r.RoomId == roomId) && _found.TrySetResult())
            {
                await _released.Task;
            }
        }

        /// <summary>The janitor asks for its next deadline once it has gone through what it found.</summary>
        public void AfterNextDeadline()
        {
            if (_released.Task.IsCompleted)
            {
                _finished.TrySetResult();
            }
        }
    }

    private sealed class HoldingRoomStore(IRoomStore inner, HeldSweep sweep) : IRoomStore
    {
        public async Task<IReadOnlyList<RoomRecord>> FindExpiredRoomsAsync(long idleBefore, long now, CancellationToken cancellationToken = default)
        {
            var found = await inner.FindExpiredRoomsAsync(idleBefore, now, cancellationToken);
            await sweep.AfterFindAsync(found);
            return found;
        }

        public async Task<long?> NextDeadlineAsync(long idleFor, long after, CancellationToken cancellationToken = default)
        {
            var next = await inner.NextDeadlineAsync(idleFor, after, cancellationToken);
            sweep.AfterNextDeadline();
            return next;
        }

        public Task<RoomRecord?> GetRoomAsync(string roomId, CancellationToken cancellationToken = default) => inner.GetRoomAsync(roomId, cancellationToken);

        public Task<RoomRecord> GetOrCreateRoomAsync(RoomRecord room, CancellationToken cancellationToken = default) => inner.GetOrCreateRoomAsync(room, cancellationToken);

        public Task<(IReadOnlyList<RoomRecord> Items, int Total)> ListRoomsAsync(string? org, int offset, int limit, CancellationToken cancellationToken = default) =>
            inner.ListRoomsAsync(org, offset, limit, cancellationToken);

        public Task<bool> DeleteRoomAsync(string roomId, CancellationToken cancellationToken = default) => inner.DeleteRoomAsync(roomId, cancellationToken);

        public Task<bool> DeleteExpiredRoomAsync(string roomId, long idleBefore, long now, CancellationToken cancellationToken = default) =>
            inner.DeleteExpiredRoomAsync(roomId, idleBefore, now, cancellationToken);

        public Task<RoomCounts> CountAsync(CancellationToken cancellationToken = default) => inner.CountAsync(cancellationToken);
    }
}
