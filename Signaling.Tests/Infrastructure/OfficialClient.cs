using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Contracts.Serialization;

namespace Signaling.Tests.Infrastructure;

/// <summary>
/// Microsoft's .NET SignalR client as users run it: <c>WithUrl</c> with default options, so it
/// negotiates first and then opens a transport with the connection token. Wraps any started
/// <see cref="HubConnection"/>, such as <see cref="Signaling.Client.SignalingClient.Connection"/>.
/// </summary>
public sealed class OfficialClient(HubConnection connection) : IAsyncDisposable
{
    public HubConnection Connection { get; } = connection;

    /// <summary>The id the server gave this connection, as <c>GET /api/connections</c> lists it.</summary>
    public string ConnectionId => Connection.ConnectionId!;

    /// <summary>Connects and returns once the server has registered the connection.</summary>
    /// <inheritdoc cref="Create"/>
    public static async Task<OfficialClient> ConnectAsync(
        ISignalingHost host, string token, HttpTransportType? transport = null, Action<HttpConnectionOptions>? configure = null, Action<IHubConnectionBuilder>? protocol = null)
    {
        var client = Create(host, token, transport, configure, protocol);
        try
        {
            await client.StartAsync();
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>A client not started yet, for subscribing (<see cref="Expect{T}"/>) to what the server sends on connect.</summary>
    /// <param name="host">The server or the balancer in front of it.</param>
    /// <param name="token">The bearer token, sent with the negotiate and the transport requests.</param>
    /// <param name="transport">Only this transport; the client's default (every transport, WebSockets first) when null.</param>
    /// <param name="configure">Further options, after the token is set.</param>
    /// <param name="protocol">The hub protocol (for example <see cref="MessagePack"/>); JSON when null.</param>
    public static OfficialClient Create(
        ISignalingHost host, string token, HttpTransportType? transport = null, Action<HttpConnectionOptions>? configure = null, Action<IHubConnectionBuilder>? protocol = null)
    {
        var url = new Uri(host.BaseAddress, SignalingRoutes.Hub);
        void Configure(HttpConnectionOptions options)
        {
            options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            configure?.Invoke(options);
        }

        var builder = new HubConnectionBuilder();
        protocol?.Invoke(builder);
        return new OfficialClient((transport is { } only ? builder.WithUrl(url, only, Configure) : builder.WithUrl(url, Configure)).Build());
    }

    /// <summary>The MessagePack hub protocol with the contract's formatters, as a .NET client configures it.</summary>
    public static void MessagePack(IHubConnectionBuilder builder) =>
        builder.AddMessagePackProtocol(options => options.SerializerOptions = SignalingMessagePack.SerializerOptions);

    public async Task StartAsync()
    {
        await Connection.StartAsync().WaitAsync(Timeouts.Default);
        // The server runs a connection's invocations only after OnConnectedAsync: once this
        // returns, the connection is registered and listed.
        await Connection.InvokeAsync<PingResult>(nameof(ISignalingHub.Ping)).WaitAsync(Timeouts.Default);
    }

    public Task<T> Invoke<T>(string method) => Connection.InvokeAsync<T>(method).WaitAsync(Timeouts.Default);

    public Task<T> Invoke<T>(string method, object? argument) => Connection.InvokeAsync<T>(method, argument).WaitAsync(Timeouts.Default);

    public Task Invoke(string method, object? argument) => Connection.InvokeAsync(method, argument).WaitAsync(Timeouts.Default);

    /// <summary>
    /// Subscribes to <paramref name="eventName"/> now; the task completes with the first
    /// <paramref name="count"/> events of that name, in arrival order.
    /// </summary>
    public Task<IReadOnlyList<T>> Expect<T>(string eventName, int count)
    {
        var received = new List<T>();
        var all = new TaskCompletionSource<IReadOnlyList<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = Connection.On<T>(eventName, e =>
        {
            lock (received)
            {
                received.Add(e);
                if (received.Count == count)
                {
                    all.TrySetResult([.. received]);
                }
            }
        });

        async Task<IReadOnlyList<T>> Wait()
        {
            using (subscription)
            {
                try
                {
                    return await all.Task.WaitAsync(Timeouts.Default);
                }
                catch (TimeoutException)
                {
                    lock (received)
                    {
                        throw new TimeoutException($"{received.Count} of {count} '{eventName}' events within {Timeouts.Default}: {string.Join(", ", received)}");
                    }
                }
            }
        }

        return Wait();
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
