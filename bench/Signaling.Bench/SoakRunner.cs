using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Signaling.Bench;

public sealed class SoakOptions
{
    public Uri? Url { get; private set; }

    public string? SigningKey { get; private set; }

    public string Issuer { get; private set; } = "signaling";

    public string Audience { get; private set; } = "signaling";

    public int Connections { get; private set; } = 2000;

    public int RoomSize { get; private set; } = 4;

    public int Cohorts { get; private set; } = 4;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one cohort's members stay in their rooms relaying before they leave.</summary>
    public TimeSpan Hold { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Numbered messages per second offered by all connections together.</summary>
    public double Rate { get; private set; } = 2000;

    public int ConnectParallelism { get; private set; } = 16;

    public int HubPid { get; private set; }

    public double MaxRssGrowthMiB { get; private set; } = 512;

    public int MaxFdGrowth { get; private set; } = 64;

    public static string Usage => """
        Signaling.Bench soak --url http://127.0.0.1:5000 --signing-key <HS256 key> --hub-pid <PID>
            [--connections 2000] [--room-size 4] [--cohorts 4] [--duration 600] [--hold 10]
            [--rate 2000] [--connect-parallelism 16] [--max-rss-growth-mib 512] [--max-fd-growth 64]
            [--issuer signaling] [--audience signaling]
        """;

    public static SoakOptions Parse(string[] args)
    {
        var o = new SoakOptions();
        for (var i = 1; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            double Double() => double.Parse(Value(), CultureInfo.InvariantCulture);
            switch (name)
            {
                case "--url": o.Url = new Uri(Value()); break;
                case "--signing-key": o.SigningKey = Value(); break;
                case "--issuer": o.Issuer = Value(); break;
                case "--audience": o.Audience = Value(); break;
                case "--connections": o.Connections = Int(); break;
                case "--room-size": o.RoomSize = Int(); break;
                case "--cohorts": o.Cohorts = Int(); break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(Double()); break;
                case "--hold": o.Hold = TimeSpan.FromSeconds(Double()); break;
                case "--rate": o.Rate = Double(); break;
                case "--connect-parallelism": o.ConnectParallelism = Int(); break;
                case "--hub-pid": o.HubPid = Int(); break;
                case "--max-rss-growth-mib": o.MaxRssGrowthMiB = Double(); break;
                case "--max-fd-growth": o.MaxFdGrowth = Int(); break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }

        if (o.Url is null || o.SigningKey is null || o.HubPid <= 0)
        {
            throw new ArgumentException("--url, --signing-key and --hub-pid are required");
        }

        if (o.RoomSize < 2 || o.Cohorts < 1 || o.Connections < o.Cohorts * o.RoomSize || o.Rate <= 0)
        {
            throw new ArgumentException("need --room-size ≥ 2, --cohorts ≥ 1, --connections ≥ cohorts × room size, --rate > 0");
        }

        // One socket is one file descriptor of this process; the usual soft limit here is about 20k.
        if (o.Connections > 19_000)
        {
            throw new ArgumentException("--connections above 19000 would exhaust this process's file descriptors");
        }

        return o;
    }
}

/// <summary>
/// Connections join rooms, relay numbered messages, leave and disconnect, in cohorts that cycle
/// until the duration is over, offset from each other so the server always sees some cohort
/// connecting while others relay or leave. Afterwards nothing may be lost or misrouted, the
/// server's memory and descriptors must be back within a bound, and its stats back to zero.
/// </summary>
public static class SoakRunner
{
    // Room for the server's own outbound sockets (none with SQLite; Redis would add a few), none for clients'.
    private const int MaxSocketGrowth = 4;

    public static async Task<int> RunAsync(SoakOptions options)
    {
        var counters = new SoakCounters();
        var minter = new JwtMinter(options.SigningKey!, options.Issuer, options.Audience);
        using var http = new HttpClient { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(30) };
        using var gate = new SemaphoreSlim(options.ConnectParallelism);
        var runId = Guid.NewGuid().ToString("N")[..6];
        var pid = options.HubPid;

        var before = ServerSample.Take(pid);
        var relayedBefore = (await StatsAsync(http)).GetProperty("messages").GetProperty("relayed").GetInt64();
        var clock = Stopwatch.StartNew();
        using var sampling = new CancellationTokenSource();
        var peak = new ServerSample(before.RssMiB, before.Fds);

        // Reported, not checked: the server GC sizes its heap to the first load and keeps it, so most start-to-end growth
        // happens in the first waves; a leak shows as growth that goes on after them.
        ServerSample? warm = null;
        var firstWavesDone = 0;
        var floors = new double[] { double.NaN, double.NaN, double.NaN, double.NaN };
        var sampler = SamplePeakAsync(pid, peak, clock, counters, () => warm is not null, floors, options.Duration / 4, sampling.Token);
        var cohortSize = options.Connections / options.Cohorts;
        var period = TimeSpan.FromSeconds(options.Connections / options.Rate);
        await Task.WhenAll(Enumerable.Range(0, options.Cohorts).Select(cohort => Task.Run(async () =>
        {
            // Offsets spread the cohorts over one hold so joins, relays and leaves overlap.
            await Task.Delay(options.Hold * cohort / options.Cohorts);
            for (var cycle = 1; cycle == 1 || clock.Elapsed + options.Hold < options.Duration; cycle++)
            {
                await RunCycleAsync($"s{runId}-c{cohort}-k{cycle}", cohortSize, options, period, minter, gate, counters);
                counters.Cycle1();
                if (cycle == 1 && Interlocked.Increment(ref firstWavesDone) == options.Cohorts)
                {
                    warm = ServerSample.Take(pid);
                }
            }
        })));
        var loadSeconds = clock.Elapsed.TotalSeconds;

        // The server learns of closed sockets asynchronously and no event tells a client when its bookkeeping is done.
        var settle = Stopwatch.StartNew();
        JsonElement stats;
        while (true)
        {
            stats = await StatsAsync(http);
            if (Active(stats, "connections") == 0 && Active(stats, "peers") == 0 || settle.Elapsed > TimeSpan.FromSeconds(60))
            {
                break;
            }

            await Task.Delay(250);
        }

        await sampling.CancelAsync();
        await sampler;
        var after = ServerSample.Take(pid);
        var relayed = stats.GetProperty("messages").GetProperty("relayed").GetInt64() - relayedBefore;

        var failures = new List<string>();
        if (counters.Lost > 0) failures.Add($"{counters.Lost} lost");
        if (counters.MisroutedCount > 0) failures.Add($"{counters.MisroutedCount} misrouted");
        if (counters.OutOfOrderCount > 0) failures.Add($"{counters.OutOfOrderCount} out of order or duplicated");
        if (counters.Errors > 0) failures.Add($"{counters.Errors} errors");
        if (Active(stats, "connections") != 0 || Active(stats, "peers") != 0)
        {
            failures.Add($"stats not back to zero after 60 s: connections.active {Active(stats, "connections")}, peers.active {Active(stats, "peers")}");
        }

        warm ??= after;
        if (after.RssMiB - before.RssMiB > options.MaxRssGrowthMiB) failures.Add($"RSS grew {after.RssMiB - before.RssMiB:F0} MiB (bound {options.MaxRssGrowthMiB})");
        if (after.Fds - before.Fds > options.MaxFdGrowth) failures.Add($"open fds grew by {after.Fds - before.Fds} (bound {options.MaxFdGrowth})");
        // Every client socket is closed by now: a socket the server kept is a leak, whatever the other descriptors do.
        if (after.Sockets - before.Sockets > MaxSocketGrowth) failures.Add($"open sockets grew from {before.Sockets} to {after.Sockets} (bound +{MaxSocketGrowth})");

        var i = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(i, $"soak: {options.Connections} connections in {options.Cohorts} cohorts of {cohortSize}, rooms of {options.RoomSize}, hold {options.Hold.TotalSeconds:F0} s, {options.Rate:F0} msg/s offered, duration {options.Duration.TotalSeconds:F0} s (load phase took {loadSeconds:F0} s)"));
        Console.WriteLine(string.Create(i, $"cycles {counters.Cycles}, connections opened {counters.Connections}, messages acknowledged {counters.Sent}, delivered {counters.Delivered}, server relayed counter +{relayed}"));
        Console.WriteLine(string.Create(i, $"lost {counters.Lost}, misrouted {counters.MisroutedCount}, out of order or duplicated {counters.OutOfOrderCount}, errors {counters.Errors}"));
        Console.WriteLine(string.Create(i, $"server pid {pid}: RSS start {before.RssMiB:F0} MiB, after first waves {warm.RssMiB:F0}, peak {peak.RssMiB:F0}, end {after.RssMiB:F0} (growth {after.RssMiB - before.RssMiB:+0;-0} MiB, bound {options.MaxRssGrowthMiB:F0}); open fds start {before.Fds}, peak {peak.Fds}, end {after.Fds} (growth {after.Fds - before.Fds:+0;-0}, bound {options.MaxFdGrowth}; sockets {before.Sockets} → {after.Sockets}, bound +{MaxSocketGrowth})"));
        Console.WriteLine(string.Create(i, $"server RSS floor under load (lowest 2-s sample after the first waves), by quarter of the run: {floors[0]:F0}, {floors[1]:F0}, {floors[2]:F0}, {floors[3]:F0} MiB (last / second: {floors[3] / floors[1]:F2})"));
        Console.WriteLine($"server fds by kind: start {before.Kinds}; end {after.Kinds}");
        Console.WriteLine(string.Create(i, $"stats after {settle.Elapsed.TotalSeconds:F1} s: connections.active {Active(stats, "connections")}, peers.active {Active(stats, "peers")}"));
        foreach (var sample in counters.Samples)
        {
            Console.WriteLine("  " + sample);
        }

        Console.WriteLine(failures.Count == 0 ? "SOAK PASS" : "SOAK FAIL: " + string.Join("; ", failures));
        return failures.Count == 0 ? 0 : 1;
    }

    private static long Active(JsonElement stats, string what) => stats.GetProperty(what).GetProperty("active").GetInt64();

    private static async Task<JsonElement> StatsAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/api/stats", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>
    /// Also keeps the lowest RSS seen in each quarter of the load once every cohort has cycled: the server GC's sawtooth
    /// swings by hundreds of MiB, but its floor only rises when live data does (or when the GC keeps more for itself).
    /// </summary>
    private static async Task SamplePeakAsync(int pid, ServerSample peak, Stopwatch clock, SoakCounters counters, Func<bool> warm, double[] floors, TimeSpan quarter, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        var tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = ServerSample.Take(pid);
                peak.RssMiB = Math.Max(peak.RssMiB, now.RssMiB);
                peak.Fds = Math.Max(peak.Fds, now.Fds);
                if (warm() && counters.Cycles > 0)
                {
                    var which = Math.Min(floors.Length - 1, (int)(clock.Elapsed / quarter));
                    floors[which] = double.IsNaN(floors[which]) ? now.RssMiB : Math.Min(floors[which], now.RssMiB);
                }

                // A trend line on stderr: a leak shows as RSS that keeps climbing across waves, not as one high figure.
                if (++tick % 15 == 0)
                {
                    await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"[soak] {clock.Elapsed.TotalSeconds:F0} s: server RSS {now.RssMiB:F0} MiB, fds {now.Fds}; opened {counters.Connections}, acknowledged {counters.Sent}, lost {counters.Lost}, misrouted {counters.MisroutedCount}, errors {counters.Errors}"));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The load is over.
        }
    }

    private static async Task RunCycleAsync(string prefix, int size, SoakOptions options, TimeSpan period, JwtMinter minter, SemaphoreSlim gate, SoakCounters counters)
    {
        var peers = Enumerable.Range(0, size)
            .Select(i => new SoakPeer($"{prefix}-p{i}", $"{prefix}-r{i / options.RoomSize}", counters))
            .ToArray();
        var live = new bool[size];
        await Task.WhenAll(peers.Select(async (peer, i) =>
        {
            await gate.WaitAsync();
            try
            {
                await peer.ConnectAsync(options.Url!, minter.Mint(peer.PeerId, peer.PeerId, TimeSpan.FromHours(1)), CancellationToken.None);
                counters.Connected1();
                await peer.JoinAsync();
                live[i] = true;
            }
            catch (Exception e) when (e is InvalidOperationException or System.Net.WebSockets.WebSocketException or TimeoutException)
            {
                counters.Error($"{peer.PeerId}: connect or join: {e.Message}");
            }
            finally
            {
                gate.Release();
            }
        }));

        SoakPeer[] RoommatesOf(int i) => Enumerable.Range(i / options.RoomSize * options.RoomSize, options.RoomSize)
            .Where(j => j != i && j < size && live[j]).Select(j => peers[j]).ToArray();

        // Every member joined before anyone sends: a relay to a member still joining would be refused, not lost.
        await Task.WhenAll(peers.Select((peer, i) => live[i] ? Task.Run(() => RelayAsync(peer, RoommatesOf(i), period, options.Hold, (double)i / size, counters)) : Task.CompletedTask));

        var drained = await Task.WhenAll(peers.Select(async (peer, i) =>
        {
            if (!live[i])
            {
                return 0L;
            }

            var senders = RoommatesOf(i);
            var expected = senders.Sum(s => s.SentTo.GetValueOrDefault(peer.PeerId));
            var got = await peer.WaitForReceivedAsync(expected, TimeSpan.FromSeconds(30));
            foreach (var sender in senders)
            {
                var sent = sender.SentTo.GetValueOrDefault(peer.PeerId);
                var last = peer.LastFrom(sender.PeerId);
                if (last < sent)
                {
                    counters.AddLost(sent - last, $"{peer.PeerId} has {last} of {sent} from {sender.PeerId}");
                }
            }

            return got;
        }));
        counters.AddDelivered(drained.Sum());

        await Task.WhenAll(peers.Select(async (peer, i) =>
        {
            if (live[i])
            {
                try
                {
                    await peer.LeaveAsync();
                }
                catch (InvalidOperationException e)
                {
                    counters.Error($"{peer.PeerId}: leave: {e.Message}");
                }
            }

            await peer.DisposeAsync();
        }));
    }

    private static async Task RelayAsync(SoakPeer peer, SoakPeer[] targets, TimeSpan period, TimeSpan hold, double phase, SoakCounters counters)
    {
        if (targets.Length == 0)
        {
            return;
        }

        // Paced, not closed-loop: a soak is about holding a steady load for long, not the highest rate.
        await Task.Delay(period * phase);
        using var timer = new PeriodicTimer(period);
        var clock = Stopwatch.StartNew();
        var next = 0;
        do
        {
            try
            {
                await peer.SendNumberedAsync(targets[next++ % targets.Length].PeerId);
            }
            catch (InvalidOperationException e)
            {
                counters.Error(e.Message);
                return;
            }
        }
        while (clock.Elapsed < hold && await timer.WaitForNextTickAsync());
    }

    private sealed class ServerSample(double rssMiB, int fds, string kinds = "", int sockets = 0)
    {
        public int Sockets { get; } = sockets;

        public double RssMiB { get; set; } = rssMiB;

        public int Fds { get; set; } = fds;

        /// <summary>Descriptors grouped by what they point at (socket, pipe, anon_inode:…, or a file's directory), so growth can be told apart.</summary>
        public string Kinds { get; } = kinds;

        public static ServerSample Take(int pid)
        {
            var links = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Select(fd =>
            {
                try
                {
                    var target = new FileInfo(fd).LinkTarget ?? "?";
                    return target.StartsWith('/') ? Path.GetDirectoryName(target) ?? target : target.Split('[', ':')[0];
                }
                catch (IOException)
                {
                    return "closed";
                }
            }).ToList();
            var kinds = string.Join(", ", links.GroupBy(k => k).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
            return new(ProcStat.RssMiB(pid), links.Count, kinds, links.Count(k => k == "socket"));
        }
    }
}
