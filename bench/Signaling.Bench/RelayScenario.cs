using System.Diagnostics;

namespace Signaling.Bench;

/// <summary>
/// One pair = one room. A offers, B answers, A trickles ten candidates, B acknowledges the
/// tenth: thirteen relayed messages per round, the shape of a real call setup.
/// </summary>
public sealed class RelayScenario(BenchOptions options, ITargetAdapter target, RunCounters counters, LatencyHistogram latency) : IShardScenario
{
    private const int CandidatesPerRound = 10;
    public const int MessagesPerRound = CandidatesPerRound + 3;
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(10);

    private readonly List<Pair> pairs = [];
    private readonly MeasuredWindow window = new(options, latency);

    public long Delivered => window.Delivered;

    public int Pairs => pairs.Count;

    public int Units => pairs.Count;

    private RunCounters Counters => counters;

    /// <summary>Connects and joins this shard's pairs; bounded parallelism so the server sees a ramp, not a SYN flood.</summary>
    public async Task SetUpAsync(int first, int count, CancellationToken cancellationToken)
    {
        var run = options.RunId;
        for (var i = first; i < first + count; i++)
        {
            pairs.Add(new Pair(this, i, $"bench-{run}-{i}", $"{run}-{i}-a", $"{run}-{i}-b"));
        }

        await Parallel.ForEachAsync(pairs, options.ConnectOptions(cancellationToken), async (pair, ct) =>
        {
            // Pair i puts A on url i and B on url i+1: with two instances every pair crosses them.
            var urls = options.Urls;
            pair.A = await target.ConnectAsync(urls[pair.Index % urls.Count], pair.APeerId, pair.AHandler, counters, ct);
            pair.B = await target.ConnectAsync(urls[(pair.Index + 1) % urls.Count], pair.BPeerId, pair.BHandler, counters, ct);
            await pair.A.JoinAsync(pair.RoomId, ct);
            await pair.B.JoinAsync(pair.RoomId, ct);
        });
    }

    /// <summary>Runs warmup then the measured window; returns when every loop has stopped.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var deadline = window.Open(cancellationToken);

        // Pacing: rounds per second per pair so that all pairs together offer about --rate messages/s.
        TimeSpan? period = options.Rate > 0 && pairs.Count > 0
            ? TimeSpan.FromSeconds(MessagesPerRound * (double)options.TotalPairs / options.Rate)
            : null;
        await Task.WhenAll(pairs.Select((pair, i) => Task.Run(() => pair.LoopAsync(period, i, deadline.Token), CancellationToken.None)));
    }

    public async Task TearDownAsync()
    {
        await Task.WhenAll(pairs.SelectMany(p => new[] { p.A, p.B }).OfType<IBenchPeer>().Select(p => p.DisposeAsync().AsTask()));
        foreach (var pair in pairs)
        {
            pair.Dispose();
        }
    }

    private void Delivered1(long sentTimestamp) => window.Delivered1(sentTimestamp);

    private sealed class Pair(RelayScenario scenario, int index, string roomId, string aPeerId, string bPeerId) : IDisposable
    {
        private readonly SemaphoreSlim answered = new(0);
        private readonly SemaphoreSlim acknowledged = new(0);
        private int candidatesSeen;

        public int Index => index;

        public string RoomId => roomId;

        public string APeerId => aPeerId;

        public string BPeerId => bPeerId;

        public IBenchPeer? A { get; set; }

        public IBenchPeer? B { get; set; }

        public void Dispose()
        {
            answered.Dispose();
            acknowledged.Dispose();
        }

        public IRelayHandler AHandler => new Handler(this, isA: true);

        public IRelayHandler BHandler => new Handler(this, isA: false);

        public async Task LoopAsync(TimeSpan? period, int slot, CancellationToken cancellationToken)
        {
            var a = A!;
            var counters = scenario.Counters;
            var clock = Stopwatch.StartNew();
            // Spread paced pairs over the period so they do not all fire on the same tick.
            var next = period is { } p ? p * ((double)slot / Math.Max(1, scenario.pairs.Count)) : TimeSpan.Zero;
            try
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (period is { } every)
                    {
                        var wait = next - clock.Elapsed;
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, cancellationToken);
                        }

                        next += every;
                    }

                    await a.SendAsync(RelayKind.Offer, roomId, bPeerId, Stopwatch.GetTimestamp(), cancellationToken);
                    if (!await answered.WaitAsync(RoundTimeout, cancellationToken))
                    {
                        counters.Timeout();
                        continue;
                    }

                    for (var i = 0; i < CandidatesPerRound; i++)
                    {
                        await a.SendAsync(RelayKind.IceCandidate, roomId, bPeerId, Stopwatch.GetTimestamp(), cancellationToken);
                    }

                    if (!await acknowledged.WaitAsync(RoundTimeout, cancellationToken))
                    {
                        counters.Timeout();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The run's deadline.
            }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                counters.Error($"pair {index}: {e.Message}");
            }
        }

        private async ValueTask OnBAsync(RelayKind kind, long sent)
        {
            scenario.Delivered1(sent);
            var b = B!;
            switch (kind)
            {
                case RelayKind.Offer:
                    // A new round: forget candidates of a round that timed out.
                    candidatesSeen = 0;
                    await b.SendAsync(RelayKind.Answer, roomId, aPeerId, Stopwatch.GetTimestamp(), CancellationToken.None);
                    break;
                case RelayKind.IceCandidate when ++candidatesSeen == CandidatesPerRound:
                    candidatesSeen = 0;
                    await b.SendAsync(RelayKind.IceCandidate, roomId, aPeerId, Stopwatch.GetTimestamp(), CancellationToken.None);
                    break;
            }
        }

        private void OnA(RelayKind kind, long sent)
        {
            scenario.Delivered1(sent);
            if (kind == RelayKind.Answer)
            {
                answered.Release();
            }
            else
            {
                acknowledged.Release();
            }
        }

        private sealed class Handler(Pair pair, bool isA) : IRelayHandler
        {
            public ValueTask OnRelayAsync(RelayKind kind, long sentTimestamp)
            {
                if (isA)
                {
                    pair.OnA(kind, sentTimestamp);
                    return ValueTask.CompletedTask;
                }

                return pair.OnBAsync(kind, sentTimestamp);
            }
        }
    }
}
