using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Signaling.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port with a temporary directory, stopped by the
/// PID this object recorded. <see cref="Shared"/> serves every test that needs no outage; tests
/// that stop and restart Redis start their own.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly Lazy<Task<RedisServer>> SharedServer = new(async () =>
    {
        var server = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();
        return server;
    });

    private readonly string _directory;
    private Process? _process;

    private readonly bool _persistent;

    private RedisServer(int port, string directory, bool persistent, string? password)
    {
        Port = port;
        _directory = directory;
        _persistent = persistent;
        Password = password;
    }

    /// <summary>One server for the whole test run; tests keep apart by key prefix.</summary>
    public static Task<RedisServer> Shared => SharedServer.Value;

    public int Port { get; }

    /// <summary>What clients must send with <c>AUTH</c> (<c>requirepass</c>), when the server asks for one.</summary>
    public string? Password { get; }

    /// <summary>StackExchange.Redis's own form.</summary>
    public string ConnectionString => Password is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},password={Password}";

    /// <summary>The URL form hosted Redis services hand out: <c>redis://:password@host:port/0</c>.</summary>
    public string Url => Password is null ? $"redis://127.0.0.1:{Port}/0" : $"redis://:{Uri.EscapeDataString(Password)}@127.0.0.1:{Port}/0";

    /// <summary>A key prefix no other test uses.</summary>
    public static string UniquePrefix() => $"t{Guid.NewGuid():N}:"[..14];

    /// <param name="persistent">Write every change to an append-only file, as a production Redis would, so data survives a restart.</param>
    /// <param name="password">Require this password of every client (<c>--requirepass</c>).</param>
    public static async Task<RedisServer> StartAsync(bool persistent = false, string? password = null)
    {
        var server = new RedisServer(FreePort(), Directory.CreateTempSubdirectory("signaling-redis-").FullName, persistent, password);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>) on the same port.</summary>
    public async Task StartAgainAsync()
    {
        var executable = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed; scripts/test.sh installs it (apt-get install redis-server)");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--dir", _directory, "--save", "", "--appendonly", _persistent ? "yes" : "no", "--appendfsync", "always", "--protected-mode", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        if (Password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(Password);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await PingAsync())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server did not start on port {Port}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Kills the server the way an outage would, and waits until the port is closed.</summary>
    public async Task StopAsync()
    {
        Kill();
        if (_process is not null)
        {
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open and nothing is answered, as with a hung Redis.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused server run again (SIGCONT); it then answers what was sent meanwhile.</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    /// <summary>The value of one <c>INFO</c> field, e.g. <c>cmdstat_publish</c> in section <c>commandstats</c>.</summary>
    public async Task<string?> InfoFieldAsync(string section, string field)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"INFO {section}\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var header = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
        if (header is null || !header.StartsWith('$'))
        {
            throw new InvalidOperationException($"unexpected INFO reply: {header}");
        }

        var body = new char[int.Parse(header.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)];
        var read = 0;
        while (read < body.Length)
        {
            var n = await reader.ReadAsync(body.AsMemory(read)).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return new string(body, 0, read).Split("\r\n")
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2 && parts[0] == field)
            .Select(parts => parts[1])
            .FirstOrDefault();
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {_process.Id} failed with {kill.ExitCode}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private void Kill()
    {
        try
        {
            if (_process is { HasExited: false })
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            // A server that requires a password answers, but with NOAUTH.
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
