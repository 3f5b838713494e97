using System.Diagnostics;
using System.Net.Http.Json;
using Signaling.Contracts;
using Signaling.Contracts.Http;
using Signaling.Contracts.Rooms;
using Signaling.Tests.Infrastructure;
using Signaling.Tests.Scaling;

namespace Signaling.Tests.Reliability;

public sealed partial class InstanceFaultTests
{
    /// <summary>
    /// Alice on the survivor and Bob on the doomed instance stream numbered candidates to each other;
    /// after the kill Bob comes back on the survivor as the same identity and both streams go on.
    /// </summary>
    private sealed class Exchange : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _runs = [];
        private readonly List<IAsyncDisposable> _peers = [];
        private NumberedSender _bobToAlice = null!;
        private NumberedSender? _bobToAliceAfter;
        private StreamLog _bobLog = null!;
        private StreamLog? _bobLogAfter;
        private List<SendOutcome> _aliceAckedBeforeKill = [];
        private List<SendOutcome> _bobAckedBeforeKill = [];
        private int _aliceSeqAtRejoin;

        public TestPeer Alice { get; private set; } = null!;

        public StreamLog AliceLog { get; private set; } = null!;

        public NumberedSender AliceToBob { get; private set; } = null!;

        public static async Task<Exchange> StartAsync(ISignalingHost aliceHost, ISignalingHost bobHost)
        {
            var exchange = new Exchange();
            exchange.Alice = await aliceHost.JoinAsync("alice", Room);
            exchange._peers.Add(exchange.Alice);
            var bob = await bobHost.JoinAsync("bob", Room);
            exchange._peers.Add(bob);
            await exchange.Alice.Next<PeerInfo>(nameof(ISignalingClient.PeerJoined));
            exchange.AliceLog = new StreamLog(exchange.Alice);
            exchange._bobLog = new StreamLog(bob);
            exchange.AliceToBob = new NumberedSender(exchange.Alice, Room, "bob");
            exchange._bobToAlice = new NumberedSender(bob, Room, "alice");
            exchange._runs.Add(exchange.AliceToBob.RunAsync(exchange._stop.Token));
            exchange._runs.Add(exchange._bobToAlice.RunAsync(exchange._stop.Token));
            return exchange;
        }

        /// <summary>Kills Bob's instance once both streams are flowing; returns a clock started at the kill.</summary>
        public async Task<Stopwatch> KillAsync(SignalingProcess doomed)
        {
            await _bobLog.WaitAsync("alice", l => l.Count >= Warmup, "Bob receiving Alice's stream");
            await AliceLog.WaitAsync("bob", l => l.Count >= Warmup, "Alice receiving Bob's stream");
            _aliceAckedBeforeKill = AliceToBob.Outcomes.Where(o => o.Result == SendOutcome.Ok).ToList();
            _bobAckedBeforeKill = _bobToAlice.Outcomes.Where(o => o.Result == SendOutcome.Ok).ToList();
            var clock = Stopwatch.StartNew();
            await doomed.KillAsync();
            // Bob's stream ends by itself: his connection is gone.
            await _runs[1].WaitAsync(Timeouts.Default);
            return clock;
        }

        /// <summary>Bob connects to the survivor with the same identity, joins the room again and resumes his stream.</summary>
        public async Task<(JoinRoomResult Join, TimeSpan Took)> RejoinAsync(ISignalingHost survivor)
        {
            var bob = await survivor.ConnectAsync(Tokens.Create("bob"));
            _peers.Add(bob);
            _bobLogAfter = new StreamLog(bob);
            var clock = Stopwatch.StartNew();
            var join = await bob.Client.JoinRoom(new JoinRoomRequest(Room)).WaitAsync(Timeouts.Default);
            var took = clock.Elapsed;
            _aliceSeqAtRejoin = AliceToBob.NextSeq;
            _bobToAliceAfter = new NumberedSender(bob, Room, "alice", _bobToAlice.NextSeq);
            _runs.Add(_bobToAliceAfter.RunAsync(_stop.Token));
            return (join, took);
        }

        /// <summary>Lets both streams run a while after the re-join, stops them and waits for everything acknowledged after it.</summary>
        public async Task FinishAsync()
        {
            var fromAlice = _aliceSeqAtRejoin;
            var fromBob = _bobToAliceAfter!.Outcomes.Count == 0 ? _bobToAliceAfter.NextSeq : _bobToAliceAfter.Outcomes[0].Seq;
            await _bobLogAfter!.WaitAsync("alice", l => l.Count(s => s >= fromAlice) >= Warmup, "Bob receiving Alice's stream after the re-join");
            await AliceLog.WaitAsync("bob", l => l.Count(s => s >= fromBob) >= Warmup, "Alice receiving Bob's stream after the re-join");
            await _stop.CancelAsync();
            await Task.WhenAll(_runs).WaitAsync(Timeouts.Default);
            var lastToBob = AliceToBob.Outcomes[^1].Seq;
            var lastToAlice = _bobToAliceAfter.Outcomes[^1].Seq;
            await _bobLogAfter.WaitAsync("alice", l => l.Contains(lastToBob), $"Alice's last number ({lastToBob}) at Bob");
            await AliceLog.WaitAsync("bob", l => l.Contains(lastToAlice), $"Bob's last number ({lastToAlice}) at Alice");

            // After the re-join: every send acknowledged, every number delivered once and in order.
            var aliceAfter = AliceToBob.Outcomes.Where(o => o.Seq >= _aliceSeqAtRejoin).ToList();
            Assert.All(aliceAfter, o => Assert.Equal(SendOutcome.Ok, o.Result));
            Assert.All(_bobToAliceAfter.Outcomes, o => Assert.Equal(SendOutcome.Ok, o.Result));
            var atNewBob = _bobLogAfter.From("alice");
            StreamAssert.Contiguous(atNewBob, "Alice → Bob after the re-join");
            Assert.True(atNewBob[0] <= _aliceSeqAtRejoin && atNewBob[^1] == lastToBob, $"Bob got {atNewBob[0]}..{atNewBob[^1]}, Alice sent {_aliceSeqAtRejoin}..{lastToBob} after the re-join");
            var atAlice = AliceLog.From("bob");
            StreamAssert.Increasing(atAlice, "Bob → Alice, both sessions");
            Assert.Equal(_bobToAliceAfter.Outcomes.Select(o => o.Seq), atAlice.Where(s => s >= fromBob));

            // Before the kill: each side got an unbroken prefix; across both of Bob's sessions nothing came twice.
            var atOldBob = _bobLog.From("alice");
            StreamAssert.Contiguous(atOldBob, "Alice → Bob before the kill");
            StreamAssert.Contiguous(atAlice.Where(s => s < fromBob).ToList(), "Bob → Alice before the kill");
            StreamAssert.Increasing([.. atOldBob, .. atNewBob], "Alice → Bob, both sessions");
        }

        /// <summary>Bob is in the room once, active, on the survivor; Alice heard of no departure after his return; the counts agree.</summary>
        public async Task AssertNoGhostAsync(SignalingProcess survivor)
        {
            Assert.Empty(Alice.Pending(nameof(ISignalingClient.PeerLeft)));
            var room = (await survivor.CreateHttpClient(Tokens.Create("alice"))
                .GetFromJsonAsync<RoomDetails>(new Uri($"/api/rooms/{Room}", UriKind.Relative), RedisTestCluster.Json))!;
            Assert.True(Assert.Single(room.Members, m => m.PeerId == "bob").IsActive);
            Assert.True(Assert.Single(room.Members, m => m.PeerId == "alice").IsActive);
            var stats = await RedisTestCluster.StatsAsync(survivor);
            Assert.Equal((1, 1L), (stats.Instances, stats.Rooms.Active));
            Assert.Equal(2, stats.Peers.Active);
            Assert.False(survivor.HasExited, survivor.Output);
        }

        /// <summary>What the kill cost: acknowledged sends that never arrived, and what the senders were told meanwhile.</summary>
        public string Figures()
        {
            var atBob = _bobLog.From("alice").Concat(_bobLogAfter!.From("alice")).ToHashSet();
            var atAlice = AliceLog.From("bob").ToHashSet();
            var killedAt = _aliceAckedBeforeKill.Count == 0 ? 0 : _aliceAckedBeforeKill[^1].Seq;
            var aliceLostBefore = _aliceAckedBeforeKill.Count(o => !atBob.Contains(o.Seq));
            var aliceBetween = AliceToBob.Outcomes.Where(o => o.Seq > killedAt && o.Seq < _aliceSeqAtRejoin).ToList();
            var bobAcked = _bobToAlice.Outcomes.Where(o => o.Result == SendOutcome.Ok).ToList();
            return string.Join('\n',
                $"  Alice → Bob: {_aliceAckedBeforeKill.Count} acknowledged before the kill, {aliceLostBefore} of them lost (in flight at the kill)",
                $"  Alice → Bob between the kill and the re-join: {Describe(aliceBetween)}; acknowledged but not delivered: {aliceBetween.Count(o => o.Result == SendOutcome.Ok && !atBob.Contains(o.Seq))}",
                $"  Bob → Alice on the killed instance: {_bobAckedBeforeKill.Count} acknowledged before the kill, {bobAcked.Count} in all, {bobAcked.Count(o => !atAlice.Contains(o.Seq))} of those lost; calls cut by the kill: {_bobToAlice.Outcomes.Count(o => o.Result != SendOutcome.Ok)}",
                $"  after the re-join: Alice → Bob {AliceToBob.Outcomes.Count(o => o.Seq >= _aliceSeqAtRejoin)} sent, Bob → Alice {_bobToAliceAfter!.Outcomes.Count} sent, all delivered once and in order",
                $"  slowest call: {AliceToBob.Outcomes.Concat(_bobToAlice.Outcomes).Concat(_bobToAliceAfter.Outcomes).Max(o => o.Took).TotalMilliseconds:F0} ms");
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_runs).WaitAsync(Timeouts.Default);
            foreach (var peer in _peers)
            {
                await peer.DisposeAsync();
            }

            _stop.Dispose();
        }
    }
}
