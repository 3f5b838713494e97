using System.Collections.Concurrent;
using System.Threading.Channels;
using Signaling.Client;
using Signaling.Contracts;
using Signaling.Contracts.Admin;
using Signaling.Contracts.Relay;
using Signaling.Contracts.Rooms;

namespace Signaling.Tests.Infrastructure;

/// <summary>A connected client that records every event it receives, per event name, in arrival order.</summary>
public sealed class TestPeer : ISignalingClient, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Channel<object>> _events = new();
    private readonly IDisposable _subscription;

    public TestPeer(SignalingClient client)
    {
        Client = client;
        _subscription = client.Subscribe(this);
    }

    public SignalingClient Client { get; }

    public JoinRoomResult? LastJoin { get; set; }

    /// <summary>Waits for the next <paramref name="eventName"/> event, skipping those that do not match.</summary>
    public async Task<T> Next<T>(string eventName, Func<T, bool>? match = null)
    {
        using var timeout = new CancellationTokenSource(Timeouts.Default);
        var reader = Channel(eventName).Reader;
        try
        {
            while (true)
            {
                var item = (T)await reader.ReadAsync(timeout.Token);
                if (match is null || match(item))
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching '{eventName}' event within {Timeouts.Default}");
        }
    }

    /// <summary>Events of this name received and not yet consumed by <see cref="Next{T}"/>.</summary>
    public IReadOnlyList<object> Pending(string eventName)
    {
        var items = new List<object>();
        var reader = Channel(eventName).Reader;
        while (reader.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }

    private Channel<object> Channel(string name) => _events.GetOrAdd(name, _ => System.Threading.Channels.Channel.CreateUnbounded<object>());

    private Task Record(string name, object payload)
    {
        Channel(name).Writer.TryWrite(payload);
        return Task.CompletedTask;
    }

    Task ISignalingClient.PeerJoined(PeerInfo peer) => Record(nameof(ISignalingClient.PeerJoined), peer);

    Task ISignalingClient.PeerLeft(PeerLeftEvent e) => Record(nameof(ISignalingClient.PeerLeft), e);

    Task ISignalingClient.PeerUpdated(PeerInfo peer) => Record(nameof(ISignalingClient.PeerUpdated), peer);

    Task ISignalingClient.Offer(RelayedSdp e) => Record(nameof(ISignalingClient.Offer), e);

    Task ISignalingClient.Answer(RelayedSdp e) => Record(nameof(ISignalingClient.Answer), e);

    Task ISignalingClient.IceCandidate(RelayedIceCandidate e) => Record(nameof(ISignalingClient.IceCandidate), e);

    Task ISignalingClient.ConnectRequest(ConnectRequestEvent e) => Record(nameof(ISignalingClient.ConnectRequest), e);

    Task ISignalingClient.ConnectRequestUpdated(ConnectRequestUpdatedEvent e) => Record(nameof(ISignalingClient.ConnectRequestUpdated), e);

    Task ISignalingClient.ClientStatusChanged(ClientStatusChangedEvent e) => Record(nameof(ISignalingClient.ClientStatusChanged), e);

    Task ISignalingClient.PendingNotifications(IReadOnlyList<Notification> notifications) =>
        Record(nameof(ISignalingClient.PendingNotifications), notifications);

    Task ISignalingClient.RoomClosed(RoomClosedEvent e) => Record(nameof(ISignalingClient.RoomClosed), e);

    Task ISignalingClient.SessionReplaced(SessionReplacedEvent e) => Record(nameof(ISignalingClient.SessionReplaced), e);

    Task ISignalingClient.ServerShutdown(ServerShutdownEvent e) => Record(nameof(ISignalingClient.ServerShutdown), e);

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await Client.DisposeAsync();
    }
}

public static class ErrorAssert
{
    /// <summary>Asserts that <paramref name="call"/> is refused with <paramref name="code"/>, as a client sees it.</summary>
    public static async Task<SignalingException> Code(string code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<SignalingException>(() => call().WaitAsync(Timeouts.Default));
        Assert.True(code == ex.Code, $"expected {code}, got {ex.Code}: {ex.Message}");
        // The protocol promises the code first, so JS clients can read it without parsing.
        Assert.StartsWith(code + ": ", ex.Message, StringComparison.Ordinal);
        return ex;
    }
}

public static class ProblemAssert
{
    /// <summary>Asserts an HTTP refusal: its status and the protocol code in its problem details.</summary>
    public static async Task Code(HttpResponseMessage response, System.Net.HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var problem = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Dictionary<string, object>>(response.Content);
        Assert.Equal(code, problem!["code"].ToString());
    }

    /// <summary>A start failure's whole message chain, where the options error naming the key sits.</summary>
    public static string Messages(Exception ex) => ex.InnerException is null ? ex.Message : ex.Message + " | " + Messages(ex.InnerException);

    /// <summary>Starts the app with <paramref name="settings"/>, asserts that the start fails, and returns its message chain.</summary>
    public static string StartFailure(IDictionary<string, string?> settings) =>
        Messages(Assert.ThrowsAny<Exception>(() => new SignalingApplication(settings)));
}
