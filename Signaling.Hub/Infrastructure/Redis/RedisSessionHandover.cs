using System.Text.Json;
using Signaling.Hub.Connections;
using Signaling.Hub.Rooms;
using StackExchange.Redis;

namespace Signaling.Hub.Infrastructure.Redis;

/// <summary>
/// Carries "this connection lost its membership to a newer session" to the instance that holds
/// the connection, which then drops it from its room directory so it can no longer relay there.
/// </summary>
public sealed partial class RedisSessionHandover(
    RedisConnection redis,
    ConnectionRegistry connections,
    RoomDirectory directory,
    ILogger<RedisSessionHandover> logger) : ISessionHandover
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RedisChannel _replaced = RedisConnection.Channel("cluster:replaced");
    private bool _subscribed;

    public async Task ReplacedAsync(string roomId, string peerId, string connectionId)
    {
        try
        {
            await redis.Subscriber.PublishAsync(_replaced, JsonSerializer.Serialize(new Replaced(roomId, peerId, connectionId), Json));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The old session keeps its local view until it disconnects; the store already moved the membership.
            LogUnreachable(ex.GetType().Name, connectionId);
        }
    }

    public async Task EnsureSubscribedAsync()
    {
        if (_subscribed)
        {
            return;
        }

        await redis.Subscriber.SubscribeAsync(_replaced, (_, message) => OnReplaced(message));
        _subscribed = true;
    }

    private void OnReplaced(RedisValue message)
    {
        if (JsonSerializer.Deserialize<Replaced>((string)message!, Json) is { } replaced
            && connections.Find(replaced.ConnectionId) is { } session)
        {
            session.Rooms.TryRemove(replaced.RoomId, out _);
            directory.Remove(replaced.RoomId, replaced.PeerId, replaced.ConnectionId);
        }
    }

    private sealed record Replaced(string RoomId, string PeerId, string ConnectionId);

    [LoggerMessage(LogLevel.Warning, "Redis unreachable ({Error}): the instance holding replaced connection {ConnectionId} was not told")]
    private partial void LogUnreachable(string error, string connectionId);
}
