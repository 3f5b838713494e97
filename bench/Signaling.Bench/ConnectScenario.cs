using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Signaling.Bench;

/// <summary>What one generator process reports once its connections are open and joined.</summary>
public sealed class ConnectPart
{
    public int Asked { get; set; }

    public int Connected { get; set; }

    public int Failed { get; set; }

    public string? LastError { get; set; }

    public List<long[]> ConnectLatency { get; set; } = [];

    public List<long[]> JoinLatency { get; set; } = [];

    /// <summary>This process's CPU while it opened and joined its connections.</summary>
    public double GeneratorCpuSeconds { get; set; }

    /// <summary>How long this process took to open and join its connections.</summary>
    public double Seconds { get; set; }
}

/// <summary>What one generator process reports after its connections sat idle and were closed.</summary>
public sealed class IdlePart
{
    /// <summary>Peers whose socket failed after all were joined: the server dropped them while idle.</summary>
    public long Dropped { get; set; }

    public string? LastError { get; set; }

    public double GeneratorCpuSeconds { get; set; }
}

/// <summary>
/// One process's share of connect / density: opens its connections (authenticate, then join a
/// room; for PeerJS open + OPEN), keeps them idle until told to close.
/// </summary>
public sealed class ConnectShard(BenchOptions options, ITargetAdapter target, int first, int count)
{
    // Density runs are expected to hit a limit: past this many failures a process stops asking.
    private const int DensityGiveUp = 50;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly RunCounters counters = new();
    private readonly IBenchPeer?[] peers = new IBenchPeer?[count];
    private readonly TimeSpan cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
    private long errorsWhenJoined;

    /// <summary>
    /// Connections opened, joined and closed before anything is measured (<c>--connect-warmup</c>,
    /// 500 per generator process by default), as relay measures after a warm-up window: a fresh
    /// process spends its first thousand connects compiling every connect code path (JIT), which
    /// is start-up cost, not the rate a running server sustains. Measured here on our service:
    /// 454 connections/s cold, 904/s on the third batch of 2,000 against the same process. It
    /// also keeps a cold generator's first batch out of the p99, and puts the servers' first-use
    /// growth into the RSS baseline, so RSS per idle connection is what holding one more costs.
    /// </summary>
    public async Task WarmUpAsync()
    {
        var run = options.RunId;
        var urls = options.Urls;
        // 0 is the cold row: the first connections a freshly started server ever sees are the measured ones.
        var warm = options.ConnectWarmup;
        if (warm <= 0)
        {
            return;
        }

        using var gate = new SemaphoreSlim(options.ConnectParallelism);
        var failures = 0;
        await Task.WhenAll(Enumerable.Range(0, warm).Select(async k =>
        {
            await gate.WaitAsync();
            try
            {
                using var limit = new CancellationTokenSource(ConnectTimeout);
                var peer = await target.ConnectAsync(urls[k % urls.Count], $"{run}-w{first}-{k}", IdleHandler.Instance, counters, limit.Token);
                await using (peer)
                {
                    await peer.JoinAsync($"connect-{run}-w{first}-{k / options.ConnectRoomSize}", limit.Token);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (Interlocked.Increment(ref failures) <= 3)
                {
                    Console.Error.WriteLine($"warm-up connection {k}: {e.Message}");
                }
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    public async Task<ConnectPart> ConnectAllAsync()
    {
        var connectLatency = new LatencyHistogram();
        var joinLatency = new LatencyHistogram();
        var part = new ConnectPart { Asked = count };
        var failed = 0;
        string? lastError = null;
        var density = options.Scenario == "density";
        var run = options.RunId;
        var roomSize = options.ConnectRoomSize;
        var urls = options.Urls;
        using var gate = new SemaphoreSlim(options.ConnectParallelism);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, count).Select(async k =>
        {
            await gate.WaitAsync();
            try
            {
                if (density && Volatile.Read(ref failed) >= DensityGiveUp)
                {
                    return;
                }

                var i = first + k;
                using var limit = new CancellationTokenSource(ConnectTimeout);
                var start = Stopwatch.GetTimestamp();
                IBenchPeer? peer = null;
                try
                {
                    peer = await target.ConnectAsync(urls[i % urls.Count], $"{run}-c{i}", IdleHandler.Instance, counters, limit.Token);
                    var opened = Stopwatch.GetTimestamp();
                    await peer.JoinAsync($"connect-{run}-{i / roomSize}", limit.Token);
                    var joined = Stopwatch.GetTimestamp();
                    connectLatency.Record((opened - start) * 1_000_000 / Stopwatch.Frequency);
                    joinLatency.Record((joined - opened) * 1_000_000 / Stopwatch.Frequency);
                    peers[k] = peer;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref failed);
                    Volatile.Write(ref lastError, $"connection {i}: {e.GetType().Name}: {e.Message}");
                    if (peer is not null)
                    {
                        await peer.DisposeAsync();
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        part.Seconds = clock.Elapsed.TotalSeconds;
        part.GeneratorCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        errorsWhenJoined = counters.Errors;
        part.Connected = peers.Count(p => p is not null);
        part.Failed = failed;
        part.LastError = lastError ?? counters.LastError;
        part.ConnectLatency = connectLatency.ToSparse();
        // Targets without rooms have nothing to time for a join.
        part.JoinLatency = target is SignalRTarget ? joinLatency.ToSparse() : [];
        return part;
    }

    public async Task<IdlePart> CloseAllAsync()
    {
        var dropped = counters.Errors - errorsWhenJoined;
        var lastError = dropped > 0 ? counters.LastError : null;
        using var gate = new SemaphoreSlim(Math.Max(64, options.ConnectParallelism));
        await Task.WhenAll(peers.OfType<IBenchPeer>().Select(async peer =>
        {
            await gate.WaitAsync();
            try
            {
                await peer.DisposeAsync();
            }
            finally
            {
                gate.Release();
            }
        }));

        return new IdlePart
        {
            Dropped = dropped,
            LastError = lastError,
            GeneratorCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds,
        };
    }

    internal sealed class IdleHandler : IRelayHandler
    {
        public static readonly IdleHandler Instance = new();

        public ValueTask OnRelayAsync(RelayKind kind, long sentTimestamp) => ValueTask.CompletedTask;
    }
}

/// <summary>
/// Runs connect / density: measures the servers before, opens every connection (from several
/// processes when one would pass its descriptor limit), lets them sit idle, measures again, closes.
/// </summary>
public static class ConnectRunner
{
    public static async Task<int> RunAsync(BenchOptions options, ITargetAdapter target)
    {
        var total = options.TotalConnections;
        if (options.IsChild)
        {
            return await RunChildAsync(options, target, total);
        }

        var processes = Math.Max(options.Processes, (total + options.MaxPerProcess - 1) / options.MaxPerProcess);
        var workers = new List<IWorker>();
        try
        {
            for (var i = 0; i < processes; i++)
            {
                var (first, count) = Slice(total, i, processes);
                workers.Add(processes == 1 ? new LocalWorker(new ConnectShard(options, target, first, count)) : ChildWorker.Start(options, i, processes));
            }

            foreach (var worker in workers)
            {
                await worker.ReadyAsync();
            }

            var result = await MeasureAsync(options, target, workers, total, processes);
            ConnectReport.Print(options, result);
            // Density is expected to end at a limit; what must hold is the servers' health.
            return options.Scenario == "density"
                ? (result.Connected > 0 && result.HealthFailed == 0 ? 0 : 1)
                : (result.Failed == 0 && result.Dropped == 0 && result.HealthFailed == 0 ? 0 : 1);
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }
        }
    }

    private static (int First, int Count) Slice(int total, int index, int of)
    {
        var first = (int)((long)total * index / of);
        var next = (int)((long)total * (index + 1) / of);
        return (first, next - first);
    }

    private static async Task<ConnectResult> MeasureAsync(BenchOptions options, ITargetAdapter target, List<IWorker> workers, int total, int processes)
    {
        var watched = options.WatchPids;
        var result = new ConnectResult { Asked = total, Processes = processes };
        using var health = new HealthProbe(options, target.HealthPath);
        result.RssBefore = watched.Select(w => ProcStat.RssMiB(w.Pid)).ToArray();
        var cpuBefore = watched.Select(w => ProcStat.CpuSeconds(w.Pid)).ToArray();
        var polling = health.PollAsync();

        var ownCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var parts = await Task.WhenAll(workers.Select(w => w.ConnectAsync()));
        result.ConnectSeconds = clock.Elapsed.TotalSeconds;
        result.GeneratorConnectCpuSeconds = parts.Sum(p => p.GeneratorCpuSeconds);
        result.GeneratorBusiestShare = parts.Max(p => p.Seconds > 0 ? p.GeneratorCpuSeconds / p.Seconds : 0);
        if (processes > 1)
        {
            // The coordinator is a generator process too (health probes); with one process it is the shard, counted above.
            var own = (Process.GetCurrentProcess().TotalProcessorTime - ownCpuBefore).TotalSeconds;
            result.GeneratorConnectCpuSeconds += own;
            result.GeneratorBusiestShare = Math.Max(result.GeneratorBusiestShare, own / result.ConnectSeconds);
        }

        result.CpuDuringConnect = watched.Select((w, i) => ProcStat.CpuSeconds(w.Pid) - cpuBefore[i]).ToArray();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{options.Label}: {parts.Sum(p => p.Connected)} of {total} connected and joined in {result.ConnectSeconds:F1} s; settling {options.Settle.TotalSeconds:F0} s"));

        await Task.Delay(options.Settle);
        result.RssIdle = watched.Select(w => ProcStat.RssMiB(w.Pid)).ToArray();
        await health.ProbeOnceAsync();
        var idle = await Task.WhenAll(workers.Select(w => w.CloseAsync()));
        // Healthy after the mass disconnect too, not only while holding the connections.
        await health.StopAsync(polling);
        await health.ProbeOnceAsync();

        var connectLatency = new LatencyHistogram();
        var joinLatency = new LatencyHistogram();
        foreach (var part in parts)
        {
            result.Connected += part.Connected;
            result.Failed += part.Failed;
            result.LastError ??= part.LastError;
            connectLatency.Merge(part.ConnectLatency);
            joinLatency.Merge(part.JoinLatency);
        }

        foreach (var part in idle)
        {
            result.Dropped += part.Dropped;
            result.LastError ??= part.LastError;
            result.GeneratorCpuSeconds += part.GeneratorCpuSeconds;
        }

        result.ConnectLatency = connectLatency;
        result.JoinLatency = joinLatency;
        result.HealthProbes = health.Probes;
        result.HealthFailed = health.Failed;
        result.HealthLastError = health.LastError;
        return result;
    }

    private static async Task<int> RunChildAsync(BenchOptions options, ITargetAdapter target, int total)
    {
        var (first, count) = Slice(total, options.ShardIndex, options.ShardCount);
        var shard = new ConnectShard(options, target, first, count);
        await shard.WarmUpAsync();
        Console.WriteLine("READY");
        if (await Console.In.ReadLineAsync() != "GO")
        {
            return 1;
        }

        Console.WriteLine("CONNECTED " + JsonSerializer.Serialize(await shard.ConnectAllAsync()));
        if (await Console.In.ReadLineAsync() != "CLOSE")
        {
            return 1;
        }

        Console.WriteLine("RESULT " + JsonSerializer.Serialize(await shard.CloseAllAsync()));
        return 0;
    }

    private interface IWorker : IDisposable
    {
        Task ReadyAsync();

        Task<ConnectPart> ConnectAsync();

        Task<IdlePart> CloseAsync();
    }

    private sealed class LocalWorker(ConnectShard shard) : IWorker
    {
        public Task ReadyAsync() => shard.WarmUpAsync();

        public Task<ConnectPart> ConnectAsync() => shard.ConnectAllAsync();

        public Task<IdlePart> CloseAsync() => shard.CloseAllAsync();

        public void Dispose()
        {
        }
    }

    /// <summary>A generator process of its own: every process has its own 20,000 descriptor limit.</summary>
    private sealed class ChildWorker(Process child) : IWorker
    {
        public static ChildWorker Start(BenchOptions options, int index, int of)
        {
            var host = Environment.ProcessPath!;
            var start = new ProcessStartInfo(host) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            {
                start.ArgumentList.Add(typeof(ConnectRunner).Assembly.Location);
            }

            foreach (var arg in new[] { options.Scenario }.Concat(options.RawArgs).Concat(["--run-id", options.RunId, "--shard", $"{index}/{of}", "--child"]))
            {
                start.ArgumentList.Add(arg);
            }

            return new ChildWorker(Process.Start(start)!);
        }

        public async Task ReadyAsync()
        {
            var line = await ReadAsync(TimeSpan.FromMinutes(2));
            if (line != "READY")
            {
                throw new InvalidOperationException($"generator process {child.Id} did not get ready: {line}");
            }
        }

        public async Task<ConnectPart> ConnectAsync()
        {
            await SendAsync("GO");
            return JsonSerializer.Deserialize<ConnectPart>(await ExpectAsync("CONNECTED ", TimeSpan.FromMinutes(30)))!;
        }

        public async Task<IdlePart> CloseAsync()
        {
            await SendAsync("CLOSE");
            return JsonSerializer.Deserialize<IdlePart>(await ExpectAsync("RESULT ", TimeSpan.FromMinutes(5)))!;
        }

        public void Dispose()
        {
            if (!child.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                child.Kill();
            }

            child.Dispose();
        }

        private async Task SendAsync(string line)
        {
            await child.StandardInput.WriteLineAsync(line);
            await child.StandardInput.FlushAsync();
        }

        private async Task<string> ExpectAsync(string prefix, TimeSpan timeout)
        {
            var line = await ReadAsync(timeout);
            return line is not null && line.StartsWith(prefix, StringComparison.Ordinal)
                ? line[prefix.Length..]
                : throw new InvalidOperationException($"generator process {child.Id} sent '{line}' instead of {prefix.Trim()}");
        }

        private async Task<string?> ReadAsync(TimeSpan timeout)
        {
            using var limit = new CancellationTokenSource(timeout);
            return await child.StandardOutput.ReadLineAsync(limit.Token);
        }
    }
}

/// <summary>Polls each server's health route once a second while the connections are opened and held.</summary>
public sealed class HealthProbe(BenchOptions options, string? path) : IDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly CancellationTokenSource stop = new();
    private int probes;
    private int failed;

    public int Probes => path is null ? 0 : Volatile.Read(ref probes);

    public int Failed => Volatile.Read(ref failed);

    public string? LastError { get; private set; }

    public async Task PollAsync()
    {
        if (path is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                await ProbeOnceAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public async Task StopAsync(Task polling)
    {
        await stop.CancelAsync();
        await polling;
    }

    public async Task ProbeOnceAsync()
    {
        if (path is null)
        {
            return;
        }

        foreach (var url in options.Urls)
        {
            Interlocked.Increment(ref probes);
            try
            {
                using var response = await http.GetAsync(new Uri(url, path));
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failed);
                    LastError = $"{url}{path}: {(int)response.StatusCode}";
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref failed);
                LastError = $"{url}{path}: {e.Message}";
            }
        }
    }

    public void Dispose()
    {
        http.Dispose();
        stop.Dispose();
    }
}

public sealed class ConnectResult
{
    public int Asked { get; set; }

    public int Processes { get; set; }

    public int Connected { get; set; }

    public int Failed { get; set; }

    public long Dropped { get; set; }

    public string? LastError { get; set; }

    public double ConnectSeconds { get; set; }

    public double GeneratorCpuSeconds { get; set; }

    /// <summary>All generator processes' CPU while the connections were opened and joined (the measured window).</summary>
    public double GeneratorConnectCpuSeconds { get; set; }

    /// <summary>The busiest generator process's CPU while it connected, as a share of one core.</summary>
    public double GeneratorBusiestShare { get; set; }

    public double[] RssBefore { get; set; } = [];

    public double[] RssIdle { get; set; } = [];

    public double[] CpuDuringConnect { get; set; } = [];

    public LatencyHistogram ConnectLatency { get; set; } = new();

    public LatencyHistogram JoinLatency { get; set; } = new();

    public int HealthProbes { get; set; }

    public int HealthFailed { get; set; }

    public string? HealthLastError { get; set; }
}

public static class ConnectReport
{
    public const string Header =
        "| run | scenario | connections (asked) | room size | generator processes | connected/s | connect p50 ms | connect p99 ms | join p50 ms | join p99 ms | failed | dropped while idle | server CPU µs/conn | server + auth backend CPU µs/conn | server RSS before → idle MiB | server KiB/idle conn | Redis KiB/idle conn | health probes failed | " + GeneratorLoad.HeaderCells + " |\n" +
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|" + GeneratorLoad.HeaderAlign + "|";

    public static void Print(BenchOptions options, ConnectResult r)
    {
        var watched = options.WatchPids;
        // Watched processes are servers, Redis ("redis…") or an auth backend the server asks ("backend…").
        string Kind(string name) => IsRedis(name) ? "redis" : name.StartsWith("backend", StringComparison.OrdinalIgnoreCase) ? "backend" : "server";
        double Sum(double[] values, string kind) => watched.Select((w, i) => (w, i)).Where(x => Kind(x.w.Name) == kind).Sum(x => values[x.i]);
        string List(double[] values) => string.Join(" + ", watched.Select((w, i) => (w, i)).Where(x => Kind(x.w.Name) == "server").Select(x => F(values[x.i], 0)));
        string PerConnKiB(string kind) =>
            r.Connected > 0 && watched.Any(w => Kind(w.Name) == kind)
                ? F((Sum(r.RssIdle, kind) - Sum(r.RssBefore, kind)) * 1024 / r.Connected, 1)
                : "–";
        var hasServer = watched.Any(w => Kind(w.Name) == "server");
        var hasBackend = watched.Any(w => Kind(w.Name) == "backend");
        var (generatorLoad, generatorBound) = GeneratorLoad.Cells(r.GeneratorConnectCpuSeconds, r.GeneratorBusiestShare, r.ConnectSeconds);
        var scenario = options.Scenario == "connect"
            ? options.ConnectWarmup > 0 ? $"connect, warm (after {options.ConnectWarmup} per process)" : "connect, cold"
            : options.Scenario;
        var rooms = options.ConnectRoomSize;

        var row = string.Join(" | ",
            options.Label ?? options.Target,
            scenario,
            $"{r.Connected} ({r.Asked})",
            rooms.ToString(CultureInfo.InvariantCulture),
            r.Processes.ToString(CultureInfo.InvariantCulture),
            F(r.Connected / r.ConnectSeconds, 0),
            F(r.ConnectLatency.Percentile(0.50) / 1000, 2),
            F(r.ConnectLatency.Percentile(0.99) / 1000, 2),
            F(r.JoinLatency.Percentile(0.50) / 1000, 2),
            F(r.JoinLatency.Percentile(0.99) / 1000, 2),
            r.Failed.ToString(CultureInfo.InvariantCulture),
            r.Dropped.ToString(CultureInfo.InvariantCulture),
            hasServer && r.Connected > 0 ? F(Sum(r.CpuDuringConnect, "server") * 1e6 / r.Connected, 0) : "–",
            hasBackend && r.Connected > 0 ? F((Sum(r.CpuDuringConnect, "server") + Sum(r.CpuDuringConnect, "backend")) * 1e6 / r.Connected, 0) : "–",
            hasServer ? $"{List(r.RssBefore)} → {List(r.RssIdle)}" : "–",
            PerConnKiB("server"),
            PerConnKiB("redis"),
            r.HealthProbes > 0 ? $"{r.HealthFailed} of {r.HealthProbes}" : "–",
            generatorLoad,
            generatorBound);
        Console.WriteLine($"| {row} |");
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{options.Label}: {options.Scenario} {r.Connected} of {r.Asked} in {r.ConnectSeconds:F1} s, failed {r.Failed}, dropped while idle {r.Dropped}, generator CPU {r.GeneratorCpuSeconds:F1} s, health {r.HealthFailed} of {r.HealthProbes} probes failed{(r.LastError is null ? "" : ", last error: " + r.LastError)}{(r.HealthLastError is null ? "" : ", last health error: " + r.HealthLastError)}"));
        if (options.JsonOut is { } path)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(new { r.Asked, r.Connected, r.Failed, r.Dropped, r.ConnectSeconds, r.RssBefore, r.RssIdle, r.CpuDuringConnect, r.HealthProbes, r.HealthFailed, r.LastError }));
        }
    }

    private static bool IsRedis(string name) => name.StartsWith("redis", StringComparison.OrdinalIgnoreCase);

    private static string F(double value, int decimals) =>
        double.IsNaN(value) || double.IsInfinity(value) || value < 0 ? "–" : value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
