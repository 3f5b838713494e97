using System.Diagnostics;
using System.Net;

namespace Signaling.Tests.Infrastructure;

/// <summary>
/// A real HAProxy running <c>deploy/haproxy/signaling.cfg</c>, the file users copy, in the
/// foreground on a free loopback port in front of the given instances; stopped by the PID this
/// object recorded. Its output (HAProxy logs every request) is kept for failure messages.
/// </summary>
public sealed class LoadBalancer : ISignalingHost, IAsyncDisposable
{
    private readonly Process _process;
    private readonly OutputTail _output;

    private LoadBalancer(Process process, OutputTail output, Uri baseAddress)
    {
        _process = process;
        _output = output;
        BaseAddress = baseAddress;
    }

    /// <summary>The configuration, copied from the repository next to the tests by the project file.</summary>
    public static string ConfigPath { get; } = Path.Combine(AppContext.BaseDirectory, "deploy", "haproxy", "signaling.cfg");

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    /// <summary>The last lines HAProxy wrote, for assertion messages.</summary>
    public string Output => _output.ToString();

    /// <summary>Starts HAProxy and returns once it forwards requests to every instance.</summary>
    public static async Task<LoadBalancer> StartAsync(IReadOnlyList<ISignalingHost> instances)
    {
        var executable = new[] { "/usr/sbin/haproxy", "/usr/local/sbin/haproxy" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("haproxy is not installed; scripts/test.sh installs it (apt-get install haproxy)");
        var servers = File.ReadLines(ConfigPath).Count(line => line.TrimStart().StartsWith("server ", StringComparison.Ordinal));
        if (servers != instances.Count)
        {
            throw new ArgumentException($"{ConfigPath} names {servers} instances, not {instances.Count}", nameof(instances));
        }

        var bind = $"127.0.0.1:{RedisServer.FreePort()}";
        // -db: stay in the foreground, one process, so the PID recorded here is the one to stop.
        var start = new ProcessStartInfo(executable, ["-db", "-f", ConfigPath]);
        start.Environment["SIGNALING_LB_BIND"] = bind;
        for (var i = 0; i < instances.Count; i++)
        {
            start.Environment[$"SIGNALING_INSTANCE_{i + 1}"] = instances[i].BaseAddress.Authority;
        }

        var output = new OutputTail();
        var balancer = new LoadBalancer(ChildProcess.Start(start, output), output, new Uri($"http://{bind}/"));
        try
        {
            await balancer.WaitUntilServingAsync(instances.Count);
        }
        catch
        {
            await balancer.DisposeAsync();
            throw;
        }

        return balancer;
    }

    public async ValueTask DisposeAsync()
    {
        // SIGTERM: HAProxy's immediate stop.
        await ChildProcess.TerminateAsync(_process);
        _process.Dispose();
    }

    /// <summary>
    /// Process start has no event to wait on: poll GET /health/live through the balancer until a
    /// 200 came from every instance. A request without the cookie is balanced, and HAProxy's answer
    /// names the instance in the cookie it inserts; an instance whose health check has not passed
    /// yet gets no requests, so clients would all land on the others.
    /// </summary>
    private async Task WaitUntilServingAsync(int instances)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = BaseAddress, Timeout = Timeouts.Default };
        var served = new HashSet<string>(StringComparer.Ordinal);
        await ChildProcess.WaitUntilAsync(_process, _output, async () =>
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK && response.Headers.TryGetValues("Set-Cookie", out var cookies))
                {
                    served.UnionWith(cookies.Select(c => c.Split(';', 2)[0]));
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            return served.Count;
        }, count => count >= instances, $"a 200 from each of the {instances} instances, told apart by the cookie the balancer inserts");
    }
}
