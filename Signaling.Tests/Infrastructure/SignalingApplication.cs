using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Signaling.Tests.Infrastructure;

/// <summary>
/// The real app on Kestrel at a loopback port, with its own SQLite file, so tests talk to it
/// over real sockets exactly as clients do.
/// </summary>
public sealed class SignalingApplication : WebApplicationFactory<Program>, ISignalingHost
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string _environment;
    private readonly bool _ownsDirectory;
    private readonly TimeProvider? _time;
    private readonly Action<IServiceCollection>? _services;

    public SignalingApplication(
        IDictionary<string, string?>? settings = null,
        string? dataDirectory = null,
        string environment = "Development",
        TimeProvider? time = null,
        Action<IServiceCollection>? services = null)
    {
        _time = time;
        _services = services;
        _ownsDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("signaling-test-").FullName;
        _environment = environment;
        _settings = new Dictionary<string, string?>
        {
            ["Signaling:Jwt:SigningKey"] = Tokens.SigningKey,
            ["Signaling:Storage:Sqlite:Path"] = Path.Combine(DataDirectory, "signaling.db"),
            ["Signaling:Files:Directory"] = Path.Combine(DataDirectory, "files"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    public string DataDirectory { get; }

    public Uri BaseAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        // Host settings, not app configuration added at Build: Program reads some of them (which
        // backplane to register) while it registers services, as it does from a real command line.
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_time is not null)
        {
            builder.ConfigureServices(services => services.AddSingleton(_time));
        }

        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
        }
    }
}

public static class Timeouts
{
    /// <summary>Generous: only a broken feature or a hung server should ever reach it.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);
}
