using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Signaling.Bench;

BenchOptions options;
try
{
    if (args is ["md-header"])
    {
        Console.WriteLine(Report.Header);
        return 0;
    }

    if (args is ["md-header", var table])
    {
        Console.WriteLine(table switch
        {
            "fanout" => FanoutReport.Header,
            "connect" or "density" => ConnectReport.Header,
            _ => Report.Header,
        });
        return 0;
    }

    if (args is ["soak", ..])
    {
        return await SoakRunner.RunAsync(SoakOptions.Parse(args));
    }

    if (args is ["storm", ..])
    {
        return await StormRunner.RunAsync(StormOptions.Parse(args));
    }

    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    Console.Error.WriteLine(SoakOptions.Usage);
    Console.Error.WriteLine(StormOptions.Usage);
    return 2;
}

if (options.Scenario is not ("relay" or "fanout" or "connect" or "density"))
{
    Console.Error.WriteLine($"unknown scenario '{options.Scenario}'; known: relay, fanout, connect, density, soak");
    return 2;
}

using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
ITargetAdapter target = options.Target switch
{
    "signaling" => new SignalRTarget(TokenSource(options, http), options.NoAck, options.Protocol),
    "raw" => new RawTarget(),
    "peerjs" => new PeerJsTarget(options.PeerJsKey),
    "spreed" => new SpreedTarget(options.SpreedBackend!),
    _ => throw new ArgumentException($"unknown target '{options.Target}'; known: signaling, raw, peerjs, spreed"),
};

if (options.Scenario is "connect" or "density")
{
    return await ConnectRunner.RunAsync(options, target);
}

if (options.IsChild)
{
    return await Shard.RunChildAsync(options, target);
}

var result = options.Processes > 1
    ? await Shard.RunParentAsync(options)
    : await Shard.RunInProcessAsync(options, target);
if (options.Scenario == "fanout")
{
    FanoutReport.Print(options, result);
    return result.Delivered > 0 ? 0 : 1;
}

Report.Print(options, result);
// Zero pairs is the idle baseline: only the watched processes' background CPU is of interest.
return result.Delivered > 0 || options.TotalPairs == 0 ? 0 : 1;

static Func<string, Task<string>> TokenSource(BenchOptions options, HttpClient http)
{
    if (options.SigningKey is { } key)
    {
        var minter = new JwtMinter(key, options.Issuer, options.Audience);
        return peerId => Task.FromResult(minter.Mint(peerId, peerId, TimeSpan.FromHours(2)));
    }

    var url = options.TokenUrl!;
    return async peerId =>
    {
        using var response = await http.PostAsJsonAsync(url, new { sub = peerId, name = peerId });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("token").GetString()!;
    };
}

namespace Signaling.Bench
{
    public sealed class ShardResult
    {
        public long Delivered { get; set; }

        public long Sent { get; set; }

        public long Errors { get; set; }

        public long Timeouts { get; set; }

        public double GeneratorCpuSeconds { get; set; }

        /// <summary>The busiest generator process's CPU over the window, as a share of one core.</summary>
        public double GeneratorBusiestShare { get; set; }

        public int Pairs { get; set; }

        public long Updates { get; set; }

        public string? LastError { get; set; }

        public List<long[]> Latency { get; set; } = [];

        public Dictionary<string, double> WatchCpuSeconds { get; set; } = [];

        public Dictionary<string, double> WatchRssMiB { get; set; } = [];

        public double WindowSeconds { get; set; }
    }

    public static class Shard
    {
        public static async Task<int> RunChildAsync(BenchOptions options, ITargetAdapter target)
        {
            var counters = new RunCounters();
            var latency = new LatencyHistogram();
            var scenario = Create(options, target, counters, latency);
            await SetUpShardAsync(options, scenario);
            Console.WriteLine("READY");
            if (await Console.In.ReadLineAsync() != "GO")
            {
                return 1;
            }

            var cpu = new CpuWindow(options, []);
            var measuring = cpu.MeasureAsync();
            await scenario.RunAsync(CancellationToken.None);
            await measuring;
            await scenario.TearDownAsync();
            var result = Collect(scenario, counters, latency, cpu);
            Console.WriteLine("RESULT " + JsonSerializer.Serialize(result));
            return 0;
        }

        public static async Task<ShardResult> RunInProcessAsync(BenchOptions options, ITargetAdapter target)
        {
            var counters = new RunCounters();
            var latency = new LatencyHistogram();
            var scenario = Create(options, target, counters, latency);
            await SetUpShardAsync(options, scenario);
            var cpu = new CpuWindow(options, options.WatchPids);
            var measuring = cpu.MeasureAsync();
            await scenario.RunAsync(CancellationToken.None);
            await measuring;
            await scenario.TearDownAsync();
            return Collect(scenario, counters, latency, cpu);
        }

        public static async Task<ShardResult> RunParentAsync(BenchOptions options)
        {
            var children = new List<Process>();
            try
            {
                for (var i = 0; i < options.Processes; i++)
                {
                    children.Add(StartChild([options.Scenario, .. options.RawArgs, "--run-id", options.RunId, "--shard", $"{i}/{options.Processes}", "--child"]));
                }

                foreach (var child in children)
                {
                    var line = await ReadLineAsync(child, TimeSpan.FromMinutes(5));
                    if (line != "READY")
                    {
                        throw new InvalidOperationException($"shard process {child.Id} did not get ready: {line}");
                    }
                }

                var cpu = new CpuWindow(options, options.WatchPids);
                foreach (var child in children)
                {
                    await child.StandardInput.WriteLineAsync("GO");
                    await child.StandardInput.FlushAsync();
                }

                await cpu.MeasureAsync();
                var merged = new ShardResult { WatchCpuSeconds = cpu.WatchCpu, WatchRssMiB = cpu.WatchRss, WindowSeconds = cpu.WindowSeconds };
                var histogram = new LatencyHistogram();
                foreach (var child in children)
                {
                    var line = await ReadLineAsync(child, options.Duration + TimeSpan.FromMinutes(2));
                    if (line is null || !line.StartsWith("RESULT ", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"shard process {child.Id} gave no result: {line}");
                    }

                    var part = JsonSerializer.Deserialize<ShardResult>(line["RESULT ".Length..])!;
                    merged.Delivered += part.Delivered;
                    merged.Sent += part.Sent;
                    merged.Errors += part.Errors;
                    merged.Timeouts += part.Timeouts;
                    merged.Pairs += part.Pairs;
                    merged.Updates += part.Updates;
                    merged.GeneratorCpuSeconds += part.GeneratorCpuSeconds;
                    merged.GeneratorBusiestShare = Math.Max(merged.GeneratorBusiestShare, part.GeneratorBusiestShare);
                    merged.LastError ??= part.LastError;
                    histogram.Merge(part.Latency);
                }

                // The coordinator's own share of the generator's work.
                merged.GeneratorCpuSeconds += cpu.OwnCpuSeconds;
                merged.GeneratorBusiestShare = Math.Max(merged.GeneratorBusiestShare, cpu.OwnShare);
                merged.Latency = histogram.ToSparse();
                return merged;
            }
            finally
            {
                foreach (var child in children)
                {
                    if (!child.WaitForExit(TimeSpan.FromSeconds(15)))
                    {
                        child.Kill();
                    }

                    child.Dispose();
                }
            }
        }

        /// <summary>Starts this generator again as a child process with <paramref name="args"/>, its stdin and stdout redirected.</summary>
        internal static Process StartChild(IEnumerable<string> args)
        {
            var (file, prefix) = SelfCommand();
            var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in prefix.Concat(args))
            {
                start.ArgumentList.Add(arg);
            }

            return Process.Start(start)!;
        }

        internal static async Task<string?> ReadLineAsync(Process child, TimeSpan timeout)
        {
            using var limit = new CancellationTokenSource(timeout);
            return await child.StandardOutput.ReadLineAsync(limit.Token);
        }

        private static (string File, string[] Prefix) SelfCommand()
        {
            var host = Environment.ProcessPath!;
            var dll = typeof(Shard).Assembly.Location;
            return Path.GetFileNameWithoutExtension(host) == "dotnet" ? (host, [dll]) : (host, []);
        }

        private static IShardScenario Create(BenchOptions options, ITargetAdapter target, RunCounters counters, LatencyHistogram latency) =>
            options.Scenario == "fanout"
                ? new FanoutScenario(options, target, counters, latency)
                : new RelayScenario(options, target, counters, latency);

        private static async Task SetUpShardAsync(BenchOptions options, IShardScenario scenario)
        {
            // Whole rooms per process: a fan-out room's send times live in the process of its sender.
            var total = options.Scenario == "fanout" ? options.Rooms : options.TotalPairs;
            var first = (int)((long)total * options.ShardIndex / options.ShardCount);
            var next = (int)((long)total * (options.ShardIndex + 1) / options.ShardCount);
            var clock = Stopwatch.StartNew();
            await scenario.SetUpAsync(first, next - first, CancellationToken.None);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"shard {options.ShardIndex}/{options.ShardCount}: {next - first} {(options.Scenario == "fanout" ? "rooms" : "pairs")} connected and joined in {clock.Elapsed.TotalSeconds:F1} s"));
        }

        private static ShardResult Collect(IShardScenario scenario, RunCounters counters, LatencyHistogram latency, CpuWindow cpu) => new()
        {
            Delivered = scenario.Delivered,
            Updates = scenario.Updates,
            Sent = counters.Sent,
            Errors = counters.Errors,
            Timeouts = counters.Timeouts,
            Pairs = scenario.Units,
            LastError = counters.LastError,
            GeneratorCpuSeconds = cpu.OwnCpuSeconds,
            GeneratorBusiestShare = cpu.OwnShare,
            Latency = latency.ToSparse(),
            WatchCpuSeconds = cpu.WatchCpu,
            WatchRssMiB = cpu.WatchRss,
            WindowSeconds = cpu.WindowSeconds,
        };
    }

    /// <summary>Samples CPU at the start and end of the measured window only, so connect, join and warmup are left out.</summary>
    public sealed class CpuWindow(BenchOptions options, List<(string Name, int Pid)> watched)
    {
        public Dictionary<string, double> WatchCpu { get; } = [];

        public Dictionary<string, double> WatchRss { get; } = [];

        public double OwnCpuSeconds { get; private set; }

        public double WindowSeconds { get; private set; }

        /// <summary>This process's CPU over the window as a share of one core.</summary>
        public double OwnShare => WindowSeconds > 0 ? OwnCpuSeconds / WindowSeconds : 0;

        public async Task MeasureAsync()
        {
            await Task.Delay(options.Warmup);
            using var self = Process.GetCurrentProcess();
            var ownBefore = self.TotalProcessorTime;
            var before = watched.Select(w => ProcStat.CpuSeconds(w.Pid)).ToArray();
            var clock = Stopwatch.StartNew();
            await Task.Delay(options.Duration);
            WindowSeconds = clock.Elapsed.TotalSeconds;
            self.Refresh();
            OwnCpuSeconds = (self.TotalProcessorTime - ownBefore).TotalSeconds;
            for (var i = 0; i < watched.Count; i++)
            {
                WatchCpu[watched[i].Name] = ProcStat.CpuSeconds(watched[i].Pid) - before[i];
                WatchRss[watched[i].Name] = ProcStat.RssMiB(watched[i].Pid);
            }
        }
    }
}
