using System.Diagnostics;
using System.Globalization;

namespace Signaling.Tests.Infrastructure;

/// <summary>
/// The built service as its own OS process on a free loopback port, configured by command-line
/// settings, so tests can run several instances and stop one the hard way (kill -9) or the
/// orchestrator's way (SIGTERM). Its output is kept for failure messages.
/// </summary>
public sealed class SignalingProcess : ISignalingHost, IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;
    private readonly OutputTail _output = new();

    private SignalingProcess(Process process, Uri baseAddress, string dataDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        _dataDirectory = dataDirectory;
    }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    /// <summary>The process's own folder: its SQLite file is <c>signaling.db</c> in it unless the settings moved it.</summary>
    public string DataDirectory => _dataDirectory;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process wrote, for assertion messages.</summary>
    public string Output => _output.ToString();

    /// <param name="settings">Command-line settings, over the test defaults.</param>
    /// <param name="environment">Environment variables of the process (<c>Signaling__Ice__TurnUrls</c>), as containers are configured.</param>
    /// <param name="waitUntilLive">False returns as soon as the process has started, for tests of what happens while it starts.</param>
    public static async Task<SignalingProcess> StartAsync(IDictionary<string, string?>? settings = null, IDictionary<string, string>? environment = null, bool waitUntilLive = true)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("signaling-process-").FullName;
        var baseAddress = new Uri($"http://127.0.0.1:{RedisServer.FreePort()}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Signaling.Hub.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        var all = new Dictionary<string, string?>
        {
            ["Signaling:Jwt:SigningKey"] = Tokens.SigningKey,
            ["Signaling:Storage:Sqlite:Path"] = Path.Combine(dataDirectory, "signaling.db"),
            ["Signaling:Files:Directory"] = Path.Combine(dataDirectory, "files"),
            // Warnings are what a failing test needs to explain itself; Information would only slow the process.
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new SignalingProcess(Process.Start(start)!, baseAddress, dataDirectory);
        process._process.OutputDataReceived += (_, e) => process._output.Add(e.Data);
        process._process.ErrorDataReceived += (_, e) => process._output.Add(e.Data);
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        if (waitUntilLive)
        {
            await process.WaitUntilLiveAsync();
        }

        return process;
    }

    /// <summary>kill -9: the process gets no chance to tell anyone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as an orchestrator stops a container.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }

    private async Task WaitUntilLiveAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        // Process start has no event to wait on: poll the liveness probe, as an orchestrator does.
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the service exited with {_process.ExitCode} before it was live:\n{Output}");
            }

            try
            {
                if ((await http.GetAsync(new Uri("/health/live", UriKind.Relative))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the service was not live within 60 s:\n{Output}");
            }

            await Task.Delay(100);
        }
    }
}
