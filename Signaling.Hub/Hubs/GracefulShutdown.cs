using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Cluster;
using Signaling.Hub.Common;

namespace Signaling.Hub.Hubs;

/// <summary>Configuration section <c>Signaling:Shutdown</c>.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Signaling:Shutdown";

    /// <summary>What clients are told to wait before reconnecting (to another instance or this one restarted).</summary>
    [Range(0, 600_000, ErrorMessage = "Signaling:Shutdown:ReconnectAfterMs must be between 0 and 600000")]
    public int ReconnectAfterMs { get; set; } = 5000;

    public string Message { get; set; } = "The server is restarting.";
}

public static partial class GracefulShutdown
{
    /// <summary>How long the goodbye may take before SignalR closes the sockets anyway.</summary>
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a closing socket waits for its client's close frame once the process is stopping.
    /// The goodbye and the close frame are on the wire before the wait starts; SignalR's default (5 s)
    /// would keep a restart waiting on clients that are busy reconnecting, with the replacement unable
    /// to listen until this process is gone. A client on a fast link still completes the handshake.
    /// </summary>
    private static readonly TimeSpan StoppingCloseTimeout = TimeSpan.FromMilliseconds(250);

    public static WebApplicationBuilder AddSignalingShutdown(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// Stopping callbacks run last-registered first, and SignalR closes its connections (abortively)
    /// from a callback its connection manager registers when it is created; so the manager is created
    /// here, before ours is registered. Without that, the SIGTERM test lost the goodbye 1 run in 6.
    /// </summary>
    public static WebApplication UseSignalingShutdown(this WebApplication app)
    {
        var hub = app.Services.GetRequiredService<IHubContext<SignalingHub, ISignalingClient>>();
        var options = app.Services.GetRequiredService<IOptions<ShutdownOptions>>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GracefulShutdown));
        var connections = app.Services.GetRequiredService<Connections.ConnectionRegistry>();
        var release = app.Services.GetRequiredService<InstanceRelease>();
        var cluster = app.Services.GetRequiredService<ICluster>();
        var identity = app.Services.GetRequiredService<InstanceIdentity>();
        var outages = app.Services.GetRequiredService<Outages>();
        var listeners = app.Services.GetRequiredService<ListenSockets>();
        var transports = new InFlightRequests();

        // A hub request lasts as long as its transport: for WebSockets it ends only after the send loop
        // has written everything queued to the socket. Counting them tells when the goodbye is on the wire.
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(Contracts.SignalingRoutes.Hub, StringComparison.Ordinal))
            {
                await next(context);
                return;
            }

            // Once stopping has begun, a client (typically one reconnecting on its own) would be
            // accepted after the goodbye went out and then cut off without one: send it elsewhere.
            if (app.Lifetime.ApplicationStopping.IsCancellationRequested)
            {
                var seconds = (options.Value.ReconnectAfterMs + 999) / 1000;
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            transports.Enter();
            try
            {
                await next(context);
            }
            finally
            {
                transports.Exit();
            }
        });

        // The manager's type is internal; resolving it by name is the only way to create it early.
        var manager = typeof(Microsoft.AspNetCore.Http.Connections.HttpConnectionDispatcherOptions).Assembly
            .GetType("Microsoft.AspNetCore.Http.Connections.Internal.HttpConnectionManager");
        if (manager is null || app.Services.GetService(manager) is null)
        {
            LogManagerNotFound(logger);
        }

        app.Lifetime.ApplicationStopping.Register(() =>
        {
            // New connections are refused from the first moment (a balancer moves on to another
            // instance at once, a client's immediate retry costs neither side a request); requests on
            // connections already open still get the 503 above. Kestrel would close its listeners only
            // after every stopping callback, this one included, has run.
            listeners.Close();
            var goodbye = new ServerShutdownEvent(options.Value.Message, options.Value.ReconnectAfterMs);
            try
            {
                // Stopping callbacks are synchronous; a bounded wait keeps a stuck client from holding shutdown.
                // Closing a connection skips writes still waiting for it, so the goodbye must be written first.
                // Each of this instance's connections, written directly: with a backplane Clients.All
                // would tell every instance's clients, and would reach nobody while Redis is away.
                var sessions = connections.Sessions.ToList();
                var goodbyes = sessions.Select(s => hub.Clients.Client(s.ConnectionId).ServerShutdown(goodbye)).ToArray();
                if (!Task.WhenAll(goodbyes).Wait(FlushTimeout))
                {
                    LogGoodbyeSlow(logger, FlushTimeout);
                }

                // Clients start their reconnect delays when their socket closes, and the replacement can
                // only listen once this process is gone: so the sockets close as late as possible. Each
                // connection's own disconnect would update the store and tell its rooms one at a time
                // (seconds per thousand connections, with the sockets closing all along); instead the
                // store lets go of this instance's members and clients in one pass, their rooms and
                // admins are told as after a crash, and the connections leave the registry first so
                // that their disconnects have nothing left to do.
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var released = ReleaseAll(release, outages, identity.Id, sessions, connections, logger);
                var releaseMs = clock.ElapsedMilliseconds;

                // The host's own close at shutdown cancels each transport and drops what its send loop
                // has not written yet; closing through SignalR sends what was queued first. The hub's
                // OnDisconnectedAsync runs before the transport has drained, so the callback also waits
                // for the hub requests to end: the SIGTERM test lost the goodbye 1 run in 12 under load
                // while it waited for the disconnects only.
                var emptied = connections.WhenEmptyAsync();
                var drained = transports.WhenIdleAsync();
                ShortenCloseHandshakes(app);
                Detach(cluster, logger);
                foreach (var session in sessions)
                {
                    session.Abort();
                }

                var settled = Task.WhenAll(emptied, drained).Wait(FlushTimeout);
                var closeMs = clock.ElapsedMilliseconds - releaseMs;

                // A JoinRoom already running when the store was released may have made its caller
                // active again; no hub call runs any more, so a second pass leaves nothing behind.
                if (released is not null)
                {
                    released = ReleaseAll(release, outages, identity.Id, [], connections, logger) is { } again
                        ? (released.Value.Members + again.Members, released.Value.Clients + again.Clients)
                        : released;
                }

                LogAnnounced(logger, settled, released?.Members ?? -1, released?.Clients ?? -1, releaseMs, closeMs, clock.ElapsedMilliseconds - releaseMs - closeMs);
            }
            catch (Exception ex) when (ex is AggregateException or InvalidOperationException)
            {
                LogFailed(logger, ex);
            }
        });
        return app;
    }

    /// <summary>Bounded, and never in the way of the closes that follow: without it each close only takes longer.</summary>
    private static void Detach(ICluster cluster, ILogger logger)
    {
        try
        {
            using var limit = new CancellationTokenSource(FlushTimeout);
            cluster.DetachAsync(limit.Token).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            LogDetachFailed(logger, ex);
        }
    }

    /// <summary>Read by each WebSocket transport when its close frame has gone out, so it applies to the closes that follow.</summary>
    private static void ShortenCloseHandshakes(WebApplication app)
    {
        var endpoints = app.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints;
        foreach (var dispatcher in endpoints.Select(e => e.Metadata.GetMetadata<HttpConnectionDispatcherOptions>()).OfType<HttpConnectionDispatcherOptions>())
        {
            if (dispatcher.WebSockets.CloseTimeout > StoppingCloseTimeout)
            {
                dispatcher.WebSockets.CloseTimeout = StoppingCloseTimeout;
            }
        }
    }

    /// <summary>
    /// Releases what this instance holds in the store and takes <paramref name="sessions"/> out of the
    /// registry; null (and the sessions left to their own disconnects) when the store did not answer.
    /// </summary>
    private static (int Members, int Clients)? ReleaseAll(
        InstanceRelease release, Outages outages, string instanceId, List<Connections.ConnectionSession> sessions, Connections.ConnectionRegistry connections, ILogger logger)
    {
        try
        {
            using var limit = new CancellationTokenSource(FlushTimeout);
            var released = release.ReleaseAsync(instanceId, limit.Token).WaitAsync(limit.Token).GetAwaiter().GetResult();
            foreach (var session in sessions)
            {
                connections.Remove(session.ConnectionId);
            }

            return released;
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException || outages.AsRefusal(ex) is not null)
        {
            LogReleaseFailed(logger, ex);
            return null;
        }
    }

    /// <summary>Requests in progress; tells when none is left.</summary>
    private sealed class InFlightRequests
    {
        private readonly Common.EmptiedSignal _idle = new();
        private int _count;

        public void Enter() => Interlocked.Increment(ref _count);

        public void Exit()
        {
            if (Interlocked.Decrement(ref _count) == 0)
            {
                _idle.Emptied();
            }
        }

        public Task WhenIdleAsync() => _idle.WhenEmptyAsync(() => Volatile.Read(ref _count) == 0);
    }

    [LoggerMessage(LogLevel.Information, "Told connected clients the server is stopping and closed their connections (all closed and settled: {Settled}); released {Members} members and {Clients} clients in {ReleaseMs} ms, closed in {CloseMs} ms, checked again in {RecheckMs} ms")]
    private static partial void LogAnnounced(ILogger logger, bool settled, int members, int clients, long releaseMs, long closeMs, long recheckMs);

    [LoggerMessage(LogLevel.Warning, "Could not release this instance's members and clients in the store at stop; each connection's disconnect does it")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Warning, "The cluster link could not drop its subscriptions at stop; each connection unsubscribes as it closes")]
    private static partial void LogDetachFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Warning, "ServerShutdown was not written to every connection within {Timeout}; closing anyway")]
    private static partial void LogGoodbyeSlow(ILogger logger, TimeSpan timeout);

    [LoggerMessage(LogLevel.Warning, "SignalR's connection manager was not found: clients may miss ServerShutdown at stop")]
    private static partial void LogManagerNotFound(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Could not tell every client the server is stopping")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
