using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Signaling.Tests.Infrastructure;

/// <summary>
/// A real Prometheus server on a free loopback port, scraping one service's <c>/metrics</c> every
/// second with a generated configuration and its storage in a temporary directory; stopped by the
/// PID this object recorded. Its output is kept for failure messages.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly OutputTail _output;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, OutputTail output, string directory, Uri baseAddress)
    {
        _process = process;
        _output = output;
        _directory = directory;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeouts.Default };
    }

    public int Id => _process.Id;

    /// <summary>The last lines Prometheus wrote, for assertion messages.</summary>
    public string Output => _output.ToString();

    /// <param name="target">The service to scrape.</param>
    /// <param name="scrapeToken">Sent as <c>Authorization: Bearer</c> (Prometheus's <c>authorization.credentials</c>) when given.</param>
    public static async Task<PrometheusServer> StartAsync(Uri target, string? scrapeToken = null)
    {
        var executable = new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("prometheus is not installed; scripts/test.sh installs it (apt-get install prometheus)");
        var directory = Directory.CreateTempSubdirectory("signaling-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        var authorization = scrapeToken is null ? "" : $"\n    authorization:\n      credentials: '{scrapeToken}'";
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: signaling
                metrics_path: /metrics{authorization}
                static_configs:
                  - targets: ['{target.Authority}']
            """);

        var listen = $"127.0.0.1:{RedisServer.FreePort()}";
        var start = new ProcessStartInfo(executable);
        foreach (var argument in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}", $"--web.listen-address={listen}", "--log.level=warn" })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new OutputTail();
        var server = new PrometheusServer(ChildProcess.Start(start, output), output, directory, new Uri($"http://{listen}/"));
        try
        {
            await server.WaitUntilReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>An instant query through the HTTP API: each series' labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string expression)
    {
        var answer = await _http.GetFromJsonAsync<JsonElement>(new Uri($"api/v1/query?query={Uri.EscapeDataString(expression)}", UriKind.Relative));
        if (answer.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"query '{expression}' failed: {answer}");
        }

        return answer.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(series => (
                (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString() ?? ""),
                double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await ChildProcess.TerminateAsync(_process);
        _process.Dispose();
        _http.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private async Task WaitUntilReadyAsync() => await ChildProcess.WaitUntilAsync(_process, _output, async () =>
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("-/ready", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }, ready => ready, "it was ready");
}
