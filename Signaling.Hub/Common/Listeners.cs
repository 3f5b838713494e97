using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Signaling.Hub.Common;

/// <summary>
/// The service's listening sockets. The addresses it is configured with are bound and listening as
/// soon as the configuration is read, and Kestrel takes those sockets when it starts. Without that,
/// the port is closed for the ~0.4 s the process spends starting (store, hosted services): in a
/// restart, every client that retried in that window was refused and waited for its next retry
/// (10 s with @microsoft/signalr's defaults); now the kernel queues it and it is answered at start.
/// </summary>
public static class Listeners
{
    public static WebApplicationBuilder AddSignalingListeners(this WebApplicationBuilder builder)
    {
        var sockets = new ListenSockets();
        foreach (var endpoint in ConfiguredEndpoints(builder.Configuration))
        {
            sockets.BindEarly(endpoint);
        }

        builder.Services.AddSingleton(sockets);
        builder.Services.AddHostedService<UnclaimedListeners>();
        builder.Services.AddOptions<SocketTransportOptions>().Configure(options =>
        {
            var create = options.CreateBoundListenSocket;
            options.CreateBoundListenSocket = endpoint => sockets.Claim(endpoint) ?? sockets.Add(create(endpoint));
        });
        return builder;
    }

    /// <summary>
    /// The IP endpoints Kestrel will bind, resolved as it resolves them: <c>Kestrel:Endpoints</c> when
    /// present, else <c>urls</c>, else <c>http_ports</c>/<c>https_ports</c>. Nothing when none is set
    /// (Kestrel's development default, and hosts that are not Kestrel at all, such as test servers),
    /// nor for port 0 or Unix sockets: those are left to Kestrel alone.
    /// </summary>
    internal static IEnumerable<IPEndPoint> ConfiguredEndpoints(IConfiguration configuration)
    {
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>().ToList();
        var urls = endpoints.Count > 0
            ? endpoints
            : Split(configuration["urls"]) is { Count: > 0 } configured
                ? configured
                : [.. Split(configuration["http_ports"]).Select(p => $"http://*:{p}"), .. Split(configuration["https_ports"]).Select(p => $"https://*:{p}")];

        foreach (var url in urls)
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                continue; // Kestrel reports it, naming the address.
            }

            if (address.IsUnixPipe || address.IsNamedPipe || address.Port <= 0)
            {
                continue;
            }

            if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                yield return new IPEndPoint(IPAddress.Loopback, address.Port);
                yield return new IPEndPoint(IPAddress.IPv6Loopback, address.Port);
            }
            else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
            {
                yield return new IPEndPoint(ip, address.Port);
            }
            else
            {
                // "*", "+" or a host name: Kestrel listens on every address, IPv6 with IPv4 mapped.
                yield return new IPEndPoint(IPAddress.IPv6Any, address.Port);
            }
        }
    }

    private static List<string> Split(string? value) =>
        value?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() ?? [];

    /// <summary>A socket bound early for an address Kestrel did not ask for would queue clients nobody answers.</summary>
    private sealed class UnclaimedListeners(ListenSockets sockets, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(sockets.CloseUnclaimed);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>The listening sockets Kestrel uses, and those bound before it started.</summary>
internal sealed class ListenSockets
{
    // Kestrel's own default; it sets it again when it takes the socket.
    private const int Backlog = 512;

    private readonly ConcurrentDictionary<EndPoint, Socket> _early = new();
    private readonly ConcurrentBag<Socket> _sockets = [];

    public void BindEarly(IPEndPoint endpoint)
    {
        try
        {
            var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            socket.Listen(Backlog);
            _early[endpoint] = socket;
        }
        catch (SocketException) when (endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            // No IPv6 here: Kestrel falls back to IPv4's any address, and so does this.
            BindEarly(new IPEndPoint(IPAddress.Any, endpoint.Port));
        }
        catch (SocketException)
        {
            // In use, or not an address of this machine: Kestrel binds it itself and reports why it cannot.
        }
    }

    public Socket? Claim(EndPoint endpoint) => _early.TryRemove(endpoint, out var socket) ? Add(socket) : null;

    public Socket Add(Socket socket)
    {
        _sockets.Add(socket);
        return socket;
    }

    public void CloseUnclaimed()
    {
        foreach (var endpoint in _early.Keys)
        {
            if (_early.TryRemove(endpoint, out var socket))
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>Kestrel's accept loop takes a disposed listener as unbound, as on its own stop.</summary>
    public void Close()
    {
        CloseUnclaimed();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }
}
