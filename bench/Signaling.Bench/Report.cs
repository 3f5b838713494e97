using System.Globalization;
using System.Text.Json;

namespace Signaling.Bench;

public static class Report
{
    public const string Header =
        "| run | pairs | load | delivered msg/s | p50 ms | p99 ms | errors (timeouts) | server CPU s | server CPU µs/msg | Redis CPU s | Redis CPU µs/msg | generator CPU s | generator CPU µs/msg | server RSS MiB | " + GeneratorLoad.HeaderCells + " |\n" +
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + GeneratorLoad.HeaderAlign + "|";

    public static void Print(BenchOptions options, ShardResult result)
    {
        var histogram = new LatencyHistogram();
        histogram.Merge(result.Latency);
        var seconds = result.WindowSeconds > 0 ? result.WindowSeconds : options.Duration.TotalSeconds;
        var rate = result.Delivered / seconds;
        var server = result.WatchCpuSeconds.Where(kv => !IsRedis(kv.Key)).Sum(kv => kv.Value);
        var redis = result.WatchCpuSeconds.Where(kv => IsRedis(kv.Key)).Sum(kv => kv.Value);
        var rss = string.Join(" + ", result.WatchRssMiB.Where(kv => !IsRedis(kv.Key)).Select(kv => F(kv.Value, 0)));
        var hasRedis = result.WatchCpuSeconds.Keys.Any(IsRedis);
        string PerMessage(double cpu) => result.Delivered > 0 ? F(cpu * 1e6 / result.Delivered, 1) : "–";

        var (generatorLoad, generatorBound) = GeneratorLoad.Cells(result.GeneratorCpuSeconds, result.GeneratorBusiestShare, seconds);
        var load = options.TotalPairs == 0 ? "idle" : options.Rate > 0 ? $"paced {F(options.Rate, 0)} msg/s" : "closed loop";
        var row = string.Join(" | ",
            options.Label ?? options.Target,
            options.TotalPairs.ToString(CultureInfo.InvariantCulture),
            load,
            F(rate, 0),
            F(histogram.Percentile(0.50) / 1000, 2),
            F(histogram.Percentile(0.99) / 1000, 2),
            $"{result.Errors} ({result.Timeouts})",
            result.WatchCpuSeconds.Count > 0 ? F(server, 2) : "–",
            result.WatchCpuSeconds.Count > 0 ? PerMessage(server) : "–",
            hasRedis ? F(redis, 2) : "–",
            hasRedis ? PerMessage(redis) : "–",
            F(result.GeneratorCpuSeconds, 2),
            PerMessage(result.GeneratorCpuSeconds),
            rss.Length > 0 ? rss : "–",
            generatorLoad,
            generatorBound);
        Console.WriteLine($"| {row} |");

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{options.Label}: {result.Delivered} delivered in {seconds:F1} s ({rate:F0}/s), {result.Sent} sent, p50 {histogram.Percentile(0.5)} µs, p90 {histogram.Percentile(0.9)} µs, p99 {histogram.Percentile(0.99)} µs, max {histogram.Percentile(1)} µs, errors {result.Errors}, timeouts {result.Timeouts}{(result.LastError is null ? "" : ", last error: " + result.LastError)}"));
        if (options.JsonOut is { } path)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(result));
        }
    }

    private static bool IsRedis(string name) => name.StartsWith("redis", StringComparison.OrdinalIgnoreCase);

    private static string F(double value, int decimals) =>
        double.IsNaN(value) || value < 0 ? "–" : value.ToString("F" + decimals, CultureInfo.InvariantCulture);
}
