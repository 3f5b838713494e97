using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Signaling.Bench;

/// <summary>A generator process's share of the storm.</summary>
public sealed class StormPart
{
    public List<StormRecord> Records { get; set; } = [];

    /// <summary>Clients whose connection had closed before every generator process was ready: not part of the storm, and a failure.</summary>
    public int DroppedBeforeRestart { get; set; }

    /// <summary>Clients of the instances that were not restarted whose connection closed anyway.</summary>
    public int SurvivorsDropped { get; set; }

    public double GeneratorCpuSeconds { get; set; }
}

/// <summary>
/// The restart storm: rooms full of connected members, one instance replaced (by the script), and
/// every member it held reconnecting on @microsoft/signalr's default schedule and rejoining.
/// </summary>
public static class StormRunner
{
    public static Task<int> RunAsync(StormOptions options) => options.IsChild ? RunChildAsync(options) : RunParentAsync(options);

    private static async Task<int> RunChildAsync(StormOptions o)
    {
        var rooms = o.Connections / o.RoomSize;
        var firstRoom = (int)((long)rooms * o.ShardIndex / o.ShardCount);
        var nextRoom = (int)((long)rooms * (o.ShardIndex + 1) / o.ShardCount);
        var minter = new JwtMinter(o.SigningKey!, o.Issuer, o.Audience);
        using var http = StormClock.NegotiateClient();
        var restarted = new List<StormClient>();
        var survivors = new List<StormClient>();
        for (var r = firstRoom; r < nextRoom; r++)
        {
            for (var m = 0; m < o.RoomSize; m++)
            {
                var peerId = $"{o.RunId}-{r}-{m}";
                var client = new StormClient(o.Urls[m % o.Urls.Count], peerId, RoomId(o, r), minter.Mint(peerId, peerId, TimeSpan.FromHours(2)), http, o.Jitter);
                (m % o.Urls.Count == 0 ? restarted : survivors).Add(client);
            }
        }

        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(restarted.Concat(survivors), new ParallelOptions { MaxDegreeOfParallelism = o.ConnectParallelism }, async (client, _) => await client.ConnectAsync());
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"storm shard {o.ShardIndex}/{o.ShardCount}: {restarted.Count + survivors.Count} clients in rooms {firstRoom}..{nextRoom - 1} connected and joined in {clock.Elapsed.TotalSeconds:F1} s"));
        Console.WriteLine("READY");
        if (await Console.In.ReadLineAsync() != "GO")
        {
            return 1;
        }

        // Only connections that were up when the restart began are part of the storm.
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var dropped = restarted.Count(c => !c.IsConnected) + survivors.Count(c => !c.IsConnected);
        var riding = restarted.Where(c => c.IsConnected).Select(c => c.RideOutAsync()).ToArray();
        var records = await Task.WhenAll(riding);
        var part = new StormPart
        {
            DroppedBeforeRestart = dropped,
            Records = [.. records],
            SurvivorsDropped = survivors.Count(c => !c.IsConnected),
            GeneratorCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds,
        };
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(part));

        // Everyone stays in their room until the coordinator has counted the members.
        await Console.In.ReadLineAsync();
        await Parallel.ForEachAsync(restarted.Concat(survivors), new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (client, _) => await client.DisposeAsync());
        return 0;
    }

    private static async Task<int> RunParentAsync(StormOptions o)
    {
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        var children = new List<Process>();
        try
        {
            for (var i = 0; i < o.Processes; i++)
            {
                children.Add(Shard.StartChild(["storm", .. o.RawArgs, "--run-id", o.RunId, "--shard", $"{i}/{o.Processes}", "--child"]));
            }

            foreach (var child in children)
            {
                var line = await Shard.ReadLineAsync(child, TimeSpan.FromMinutes(10));
                if (line != "READY")
                {
                    throw new InvalidOperationException($"storm process {child.Id} did not connect its clients: {line}");
                }
            }

            foreach (var child in children)
            {
                await child.StandardInput.WriteLineAsync("GO");
                await child.StandardInput.FlushAsync();
            }

            Console.WriteLine($"CONNECTED {o.Connections}");
            Console.Out.Flush();
            var restart = (await Console.In.ReadLineAsync())?.Split(' ');
            if (restart is not ["RESTART", var pidText, var sigtermText, var exitText, var startText])
            {
                throw new InvalidOperationException("expected RESTART <new pid> <sigterm ms> <old exit ms> <new start ms> on stdin");
            }

            var newPid = int.Parse(pidText, CultureInfo.InvariantCulture);
            var times = new RestartTimes(D(sigtermText), D(exitText), D(startText));
            using var sampling = new CancellationTokenSource();
            var cpu = SampleCpuAsync(newPid, sampling.Token);
            var liveAt = await PollLiveAsync(o.Urls[0]);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"storm: new process {newPid} live {(liveAt - times.NewStart) / 1000:F2} s after its start"));

            var parts = new List<StormPart>();
            foreach (var child in children)
            {
                var line = await Shard.ReadLineAsync(child, TimeSpan.FromMinutes(3));
                if (line is null || !line.StartsWith("RESULT ", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"storm process {child.Id} gave no result: {line}");
                }

                parts.Add(JsonSerializer.Deserialize<StormPart>(line["RESULT ".Length..])!);
            }

            await sampling.CancelAsync();
            var samples = await cpu;
            var rooms = await CountRoomsAsync(o);
            foreach (var child in children)
            {
                await child.StandardInput.WriteLineAsync("STOP");
                await child.StandardInput.FlushAsync();
            }

            var report = new StormReport(o, times, liveAt, parts, samples, rooms, loadBefore, File.ReadAllText("/proc/loadavg").Trim());
            Console.WriteLine(report.Markdown());
            return report.Passed ? 0 : 1;
        }
        finally
        {
            foreach (var child in children)
            {
                if (!child.WaitForExit(TimeSpan.FromSeconds(30)))
                {
                    child.Kill();
                }

                child.Dispose();
            }
        }
    }

    internal static string RoomId(StormOptions o, int room) => $"storm-{o.RunId}-{room}";

    private static double D(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>The first 200 from /health/live of the new process, polled every 5 ms.</summary>
    private static async Task<double> PollLiveAsync(Uri url)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            try
            {
                using var response = await http.GetAsync(new Uri(url, "/health/live"));
                if (response.IsSuccessStatusCode)
                {
                    return StormClock.Now;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(5);
        }

        throw new InvalidOperationException($"{url} did not answer /health/live within 2 minutes");
    }

    /// <summary>The new process's CPU seconds over time, so the CPU up to any moment of the storm can be read afterwards.</summary>
    private static async Task<List<(double At, double Cpu)>> SampleCpuAsync(int pid, CancellationToken cancellationToken)
    {
        var samples = new List<(double, double)>();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        do
        {
            var value = ProcStat.CpuSeconds(pid);
            if (!double.IsNaN(value))
            {
                samples.Add((StormClock.Now, value));
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));

        return samples;
    }

    /// <summary>Asks the restarted instance for every room: how many have all their members active again.</summary>
    private static async Task<RoomCount> CountRoomsAsync(StormOptions o)
    {
        var minter = new JwtMinter(o.SigningKey!, o.Issuer, o.Audience);
        var token = minter.Mint($"{o.RunId}-checker", "storm checker", TimeSpan.FromHours(1));
        using var http = new HttpClient { BaseAddress = o.Urls[0], Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var full = 0;
        var shortRooms = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, o.Connections / o.RoomSize), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (r, ct) =>
        {
            var id = RoomId(o, r);
            using var response = await http.GetAsync($"/api/rooms/{id}", ct);
            if (!response.IsSuccessStatusCode)
            {
                shortRooms.Enqueue($"{id}: HTTP {(int)response.StatusCode}");
                return;
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var active = body.RootElement.GetProperty("activeCount").GetInt32();
            if (active == o.RoomSize)
            {
                Interlocked.Increment(ref full);
            }
            else
            {
                shortRooms.Enqueue($"{id}: {active} active");
            }
        });
        return new RoomCount(full, [.. shortRooms.Take(5)]);
    }
}

internal sealed record RestartTimes(double Sigterm, double OldExit, double NewStart);

internal sealed record RoomCount(int Full, List<string> Examples);

/// <summary>The storm's figures, relative to the moment the new process first answered /health/live.</summary>
internal sealed class StormReport(StormOptions o, RestartTimes times, double liveAt, List<StormPart> parts, List<(double At, double Cpu)> cpu, RoomCount rooms, string loadBefore, string loadAfter)
{
    private readonly List<StormRecord> records = [.. parts.SelectMany(p => p.Records)];

    private int Back => records.Count(r => r.RejoinedAt is not null);

    public bool Passed => Back == records.Count && rooms.Full == o.Connections / o.RoomSize && parts.Sum(p => p.SurvivorsDropped + p.DroppedBeforeRestart) == 0;

    public string Markdown()
    {
        var back = records.Where(r => r.RejoinedAt is not null).ToList();
        var afterLive = back.Select(r => (r.RejoinedAt!.Value - liveAt) / 1000).ToList();
        var last = back.Count > 0 ? back.Max(r => r.RejoinedAt!.Value) : liveAt;
        var cpuLive = CpuAt(liveAt);
        var cpuStorm = CpuAt(last) - cpuLive;
        var s = new StringBuilder();
        s.AppendLine(F($"## Restart storm: {o.Label ?? "signaling"}, {o.Connections} connections, rooms of {o.RoomSize}, {o.Processes} generator processes, jitter ±{o.Jitter * 100:F0} %"));
        s.AppendLine();
        s.AppendLine(F($"Load average before {loadBefore}; after {loadAfter}. {records.Count} clients were on the restarted instance; every time below is from the new process's first 200 on /health/live."));
        s.AppendLine();
        s.AppendLine("| restarted clients | back | gave up | last back (s) | p50 (s) | p99 (s) | attempts / client (mean, max) | server CPU live → last (s) | per reconnect + rejoin (ms) | rooms with all members active | others dropped |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        s.AppendLine(F($"| {records.Count} | {back.Count} | {records.Count - back.Count} | {Max(afterLive):F2} | {Pct(afterLive, 0.5):F2} | {Pct(afterLive, 0.99):F2} | {records.Average(r => r.Attempts):F2}, {records.Max(r => r.Attempts)} | {cpuStorm:F2} | {cpuStorm * 1000 / Math.Max(1, back.Count):F2} | {rooms.Full} of {o.Connections / o.RoomSize} | {parts.Sum(p => p.SurvivorsDropped)} |"));
        s.AppendLine();
        s.AppendLine("Where the time goes:");
        s.AppendLine();
        var closed = records.Select(r => (r.ClosedAt - times.Sigterm) / 1000).ToList();
        s.AppendLine(F($"- SIGTERM → old process exited: {(times.OldExit - times.Sigterm) / 1000:F2} s; clients saw their connection close {Min(closed):F2}–{Max(closed):F2} s after SIGTERM (p50 {Pct(closed, 0.5):F2})."));
        s.AppendLine(F($"- Old exit → new started: {(times.NewStart - times.OldExit) / 1000:F2} s; new start → live: {(liveAt - times.NewStart) / 1000:F2} s, {cpuLive - CpuAt(times.NewStart):F2} s of its CPU (from its first sample)."));
        s.AppendLine(F($"- Live was {(liveAt - times.Sigterm) / 1000:F2} s after SIGTERM, {(liveAt - Pct(records.Select(r => r.ClosedAt).ToList(), 0.5)) / 1000:F2} s after the median client's close."));
        for (var k = 1; k <= 4; k++)
        {
            var made = records.Count(r => r.Attempts >= k);
            if (made == 0)
            {
                break;
            }

            var failed = records.SelectMany(r => r.Failures).Where(f => f.StartsWith(F($"{k} "), StringComparison.Ordinal)).GroupBy(f => f[(f.IndexOf(' ') + 1)..]).Select(g => F($"{g.Count()} {g.Key}"));
            var won = back.Where(r => r.Attempts == k).Select(r => (r.AttemptStart - liveAt) / 1000).ToList();
            s.AppendLine(F($"- Attempt {k}: {made} made, {won.Count} succeeded") + (won.Count > 0 ? F($" (started {Min(won):F2}…{Max(won):F2} s after live)") : "") + $"; failed: {string.Join(", ", failed.DefaultIfEmpty("none"))}.");
        }

        s.AppendLine(F($"- Successful attempts: negotiate p50 {Pct(back.Select(r => r.NegotiateMs).ToList(), 0.5):F0} / p99 {Pct(back.Select(r => r.NegotiateMs).ToList(), 0.99):F0} ms; WebSocket + handshake p50 {Pct(back.Select(r => r.ConnectMs).ToList(), 0.5):F0} / p99 {Pct(back.Select(r => r.ConnectMs).ToList(), 0.99):F0} ms; JoinRoom p50 {Pct(back.Select(r => r.JoinMs).ToList(), 0.5):F0} / p99 {Pct(back.Select(r => r.JoinMs).ToList(), 0.99):F0} ms."));
        s.AppendLine(F($"- Rejoins per second after live: {Timeline(afterLive)}."));
        s.AppendLine(F($"- Generator CPU during the storm: {parts.Sum(p => p.GeneratorCpuSeconds):F2} s over {parts.Count} processes."));
        if (parts.Sum(p => p.DroppedBeforeRestart) is > 0 and var early)
        {
            s.AppendLine(F($"- {early} connections had closed before the restart began (left out of the figures above; the run fails)."));
        }

        if (rooms.Examples.Count > 0)
        {
            s.AppendLine($"- Rooms short of members, e.g.: {string.Join("; ", rooms.Examples)}.");
        }

        return s.ToString();
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static double Min(List<double> values) => values.Count == 0 ? double.NaN : values.Min();

    private static double Max(List<double> values) => values.Count == 0 ? double.NaN : values.Max();

    private static double Pct(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
    }

    private static string Timeline(List<double> seconds)
    {
        if (seconds.Count == 0)
        {
            return "none";
        }

        var buckets = seconds.GroupBy(x => (int)Math.Floor(x)).OrderBy(g => g.Key).Select(g => F($"[{g.Key},{g.Key + 1}) {g.Count()}"));
        return string.Join(", ", buckets);
    }

    /// <summary>The new process's CPU seconds at <paramref name="at"/>, from the nearest sample at or before it.</summary>
    private double CpuAt(double at)
    {
        if (cpu.Count == 0)
        {
            return double.NaN;
        }

        var before = cpu.LastOrDefault(c => c.At <= at);
        return before == default ? cpu[0].Cpu : before.Cpu;
    }
}
