using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Signaling.Hub.Common;
using StackExchange.Redis;

namespace Signaling.Hub.Scaling;

/// <summary>
/// SignalR's hub lifetime manager for several instances sharing one Redis. Each instance keeps
/// its own connections, groups and users; a send reaches local connections directly and is
/// published once for the others, who deliver it to theirs. Group membership lives on the
/// instance that holds the connection: adding a remote connection to a group asks that instance
/// and waits for its acknowledgement (or a bounded timeout).
/// </summary>
/// <remarks>
/// <para>Channels (under <see cref="RedisConnection.Prefix"/>): <c>backplane:{hub}:all</c> for
/// all/group/user sends, group commands and sends to a connection whose instance is unknown;
/// <c>backplane:{hub}:instance:{id}</c> for traffic aimed at one instance (sends to a connection
/// on a known instance, acknowledgements).</para>
/// <para>Redis is never on the path to local connections: when it is down, local sends work and
/// what could not be published is logged, not thrown.</para>
/// <para>Client results (<see cref="InvokeConnectionAsync{T}"/>) are not supported: the service
/// never asks a client for a result.</para>
/// </remarks>
public sealed class RedisHubLifetimeManager<THub> : HubLifetimeManager<THub>, IDisposable where THub : Microsoft.AspNetCore.SignalR.Hub
{
    private readonly HubConnectionStore _connections = new();
    private readonly LocalIndex _groups = new();
    private readonly LocalIndex _users = new();
    private readonly RedisConnection _redis;
    private readonly ISubscriber _subscriber;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<IHubProtocol> _protocols;
    private readonly byte[][] _protocolNameFields;
    private readonly string _instanceId;
    private readonly byte[] _instanceIdUtf8;
    private readonly byte[] _senderField;
    private readonly string _instanceChannelPrefix;
    private readonly RedisChannel _broadcast;
    private readonly RedisChannel _own;
    private readonly ConcurrentDictionary<string, RedisChannel> _instanceChannels = new(StringComparer.Ordinal);
    private readonly Channel<byte[]> _inbox;
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _acks = new();
    private readonly Task _subscribed;
    private readonly BackplanePublisher _publisher;
    private long _lastAckId;

    private static readonly TimeSpan SubscribeWait = TimeSpan.FromSeconds(5);

    public RedisHubLifetimeManager(
        RedisConnection redis,
        InstanceIdentity instance,
        IHubProtocolResolver protocols,
        ILogger<RedisHubLifetimeManager<THub>> logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(protocols);
        _redis = redis;
        _logger = logger;
        _protocols = protocols.AllProtocols;
        _protocolNameFields = _protocols.Select(p => BackplaneEnvelope.EncodeString(p.Name)).ToArray();
        _instanceId = instance.Id;
        _instanceIdUtf8 = System.Text.Encoding.UTF8.GetBytes(_instanceId);
        _senderField = BackplaneEnvelope.EncodeString(_instanceId);
        var hub = typeof(THub).FullName ?? typeof(THub).Name;
        _instanceChannelPrefix = $"backplane:{hub}:instance:";
        _broadcast = redis.Channel($"backplane:{hub}:all");
        _own = redis.Channel(_instanceChannelPrefix + _instanceId);

        // Redis delivers each sender's publishes in order, and StackExchange.Redis 1.2.x invokes
        // subscription callbacks in arrival order (PreserveAsyncOrder, on by default). The callback
        // only enqueues; one reader processes, so a slow delivery never reorders later messages.
        // 2.x invokes these callbacks concurrently: there, subscribe with ChannelMessageQueue instead.
        _inbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        _onMessage = (_, value) => _inbox.Writer.TryWrite((byte[])value!);
        _subscriber = redis.Subscriber;
        _publisher = new BackplanePublisher(redis, _subscriber, _senderField, logger);
        _subscribed = SubscribeAsync();
        // Runs until Dispose completes the inbox; it catches its own failures per message.
        _ = Task.Run(ProcessAsync);
    }

    /// <summary>How long a group command for a connection on another instance waits for that instance.</summary>
    internal TimeSpan GroupAckTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many messages may wait for a Redis that does not answer before later ones are dropped.</summary>
    internal int PublishBacklogLimit
    {
        get => _publisher.BacklogLimit;
        set => _publisher.BacklogLimit = value;
    }

    /// <summary>This instance's name in channel names and in the sender field of its messages.</summary>
    public string InstanceId => _instanceId;

    /// <summary>For tests: the ids of this instance's connections of <paramref name="userId"/>.</summary>
    internal IReadOnlyList<string> LocalConnectionIdsOfUser(string userId) => _users.Ids(userId);

    /// <summary>For tests: the ids of this instance's connections in <paramref name="groupName"/>.</summary>
    internal IReadOnlyList<string> LocalConnectionIdsOfGroup(string groupName) => _groups.Ids(groupName);

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.Features.Set(new GroupMembership());
        _connections.Add(connection);
        if (connection.UserIdentifier is { } user)
        {
            _users.Add(user, connection);
        }

        // A connection counts as connected once cross-instance sends can reach it; this waits only at start-up.
        return _subscribed.IsCompleted ? Task.CompletedTask : _subscribed;
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connections.Remove(connection);
        if (connection.UserIdentifier is { } user)
        {
            _users.Remove(user, connection);
        }

        if (connection.Features.Get<GroupMembership>() is { } membership)
        {
            lock (membership)
            {
                membership.Closed = true;
                foreach (var group in membership.Groups)
                {
                    _groups.Remove(group, connection);
                }

                membership.Groups.Clear();
            }
        }

        return Task.CompletedTask;
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        SendToAllAsync(methodName, args, null, cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        SendToAllAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        if (_connections[connectionId] is { } connection)
        {
            return connection.WriteAsync(new InvocationMessage(methodName, args), cancellationToken).AsTask();
        }

        // Its instance is unknown here: every instance hears it, only the one holding the connection delivers.
        PublishInvocation(_broadcast, BackplaneKind.Connections, connectionId, null, null, new InvocationMessage(methodName, args));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Sends to a connection whose instance the caller knows, on that instance's own channel, so
    /// no other instance has to look at it. Delivers directly when the connection is local.
    /// </summary>
    public Task SendConnectionOnInstanceAsync(string instanceId, string connectionId, string methodName, object?[] args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        ArgumentNullException.ThrowIfNull(connectionId);
        if (_connections[connectionId] is { } connection)
        {
            return connection.WriteAsync(new InvocationMessage(methodName, args), cancellationToken).AsTask();
        }

        if (string.Equals(instanceId, _instanceId, StringComparison.Ordinal))
        {
            // Ours but gone: there is nobody else to ask.
            return Task.CompletedTask;
        }

        PublishInvocation(InstanceChannel(instanceId), BackplaneKind.Connections, connectionId, null, null, new InvocationMessage(methodName, args));
        return Task.CompletedTask;
    }

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionIds);
        var invocation = new InvocationMessage(methodName, args);
        SerializedHubMessage? message = null;
        List<string>? remote = null;
        Pending local = default;
        foreach (var id in connectionIds)
        {
            if (_connections[id] is { } connection)
            {
                local.Add(connection.WriteAsync(message ??= new SerializedHubMessage(invocation), cancellationToken));
            }
            else
            {
                (remote ??= []).Add(id);
            }
        }

        if (remote is not null)
        {
            PublishInvocation(_broadcast, BackplaneKind.Connections, remote, null, message, invocation);
        }

        return local.WhenAll();
    }

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return SendToGroupsAsync([groupName], methodName, args, null, cancellationToken);
    }

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupNames);
        return SendToGroupsAsync(groupNames, methodName, args, null, cancellationToken);
    }

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        return SendToGroupsAsync([groupName], methodName, args, excludedConnectionIds, cancellationToken);
    }

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return SendToUsersAsync([userId], methodName, args, cancellationToken);
    }

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        return SendToUsersAsync(userIds, methodName, args, cancellationToken);
    }

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        if (_connections[connectionId] is { } connection)
        {
            AddLocal(connection, groupName);
            return Task.CompletedTask;
        }

        return GroupCommandAsync(BackplaneKind.AddToGroup, connectionId, groupName, cancellationToken);
    }

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(groupName);
        if (_connections[connectionId] is { } connection)
        {
            RemoveLocal(connection, groupName);
            return Task.CompletedTask;
        }

        return GroupCommandAsync(BackplaneKind.RemoveFromGroup, connectionId, groupName, cancellationToken);
    }

    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Client results are not supported by the Redis backplane: the signaling service never asks a client for a result.");

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        throw new NotSupportedException("Client results are not supported by the Redis backplane: the signaling service never asks a client for a result.");

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type)
    {
        type = null;
        return false;
    }

    public void Dispose()
    {
        // Completing the inbox ends the processing loop once it has drained.
        _inbox.Writer.TryComplete();
        foreach (var pending in _acks.Values)
        {
            pending.TrySetResult();
        }

        try
        {
            _subscriber.Unsubscribe(_broadcast, _onMessage, CommandFlags.FireAndForget);
            _subscriber.Unsubscribe(_own, _onMessage, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // Shutting down anyway: the server drops our subscriptions with the connection.
        }
    }

    private Task SendToAllAsync(string methodName, object?[] args, IReadOnlyList<string>? excluded, CancellationToken cancellationToken)
    {
        var invocation = new InvocationMessage(methodName, args);
        var message = new SerializedHubMessage(invocation);
        Pending local = default;
        foreach (var connection in _connections)
        {
            if (excluded is null || !Contains(excluded, connection.ConnectionId))
            {
                local.Add(connection.WriteAsync(message, cancellationToken));
            }
        }

        PublishInvocation(_broadcast, BackplaneKind.All, null, excluded, message, invocation);
        return local.WhenAll();
    }

    private Task SendToGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, IReadOnlyList<string>? excluded, CancellationToken cancellationToken)
    {
        var invocation = new InvocationMessage(methodName, args);
        SerializedHubMessage? message = null;
        Pending local = default;
        foreach (var group in groupNames)
        {
            if (_groups.Get(group) is not { } members)
            {
                continue;
            }

            foreach (var connection in members)
            {
                if (excluded is null || !Contains(excluded, connection.ConnectionId))
                {
                    local.Add(connection.WriteAsync(message ??= new SerializedHubMessage(invocation), cancellationToken));
                }
            }
        }

        PublishInvocation(_broadcast, BackplaneKind.Groups, groupNames, excluded, message, invocation);
        return local.WhenAll();
    }

    private Task SendToUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken)
    {
        var invocation = new InvocationMessage(methodName, args);
        SerializedHubMessage? message = null;
        Pending local = default;
        DeliverToUsers(userIds, ref local, () => message ??= new SerializedHubMessage(invocation), cancellationToken);
        PublishInvocation(_broadcast, BackplaneKind.Users, userIds, null, message, invocation);
        return local.WhenAll();
    }

    /// <summary>Each local connection of any listed user once, as SignalR's own manager does.</summary>
    private void DeliverToUsers(IReadOnlyList<string> userIds, ref Pending pending, Func<SerializedHubMessage> message, CancellationToken cancellationToken)
    {
        HashSet<string>? seen = userIds.Count > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var user in userIds)
        {
            if (seen is not null && !seen.Add(user))
            {
                continue;
            }

            if (_users.Get(user) is { } connections)
            {
                foreach (var connection in connections)
                {
                    pending.Add(connection.WriteAsync(message(), cancellationToken));
                }
            }
        }
    }

    private void AddLocal(HubConnectionContext connection, string group)
    {
        var membership = connection.Features.Get<GroupMembership>();
        if (membership is null)
        {
            return;
        }

        lock (membership)
        {
            if (!membership.Closed && membership.Groups.Add(group))
            {
                _groups.Add(group, connection);
            }
        }
    }

    private void RemoveLocal(HubConnectionContext connection, string group)
    {
        var membership = connection.Features.Get<GroupMembership>();
        if (membership is null)
        {
            return;
        }

        lock (membership)
        {
            if (membership.Groups.Remove(group))
            {
                _groups.Remove(group, connection);
            }
        }
    }

    private async Task GroupCommandAsync(BackplaneKind kind, string connectionId, string group, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _lastAckId);
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _acks[id] = ack;
        try
        {
            var buffer = BackplaneEnvelope.Rent();
            WriteHeader(buffer, kind);
            buffer.WriteVarint((ulong)id);
            buffer.WriteString(connectionId);
            buffer.WriteString(group);
            var published = _publisher.Publish(_broadcast, BackplaneEnvelope.ToArrayAndReturn(buffer), kind, connectionId, group, track: true);
            try
            {
                // Both waits are bounded: the Redis client does not time out asynchronous commands on a hung server.
                if (!await published.WaitAsync(GroupAckTimeout, cancellationToken))
                {
                    return;
                }

                await ack.Task.WaitAsync(GroupAckTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Like SignalR's own managers for an unknown connection: not an error for the caller.
                BackplaneLog.GroupCommandUnacknowledged(_logger, kind, connectionId, group, GroupAckTimeout);
            }
        }
        finally
        {
            _acks.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Starts publishing; the caller does not wait for Redis. Local delivery is what a hub caller
    /// waits for, and a hung or failing Redis must not stall the caller's connection: a failure is
    /// logged by <see cref="BackplanePublisher"/>. Order is kept because the publish is queued right here.
    /// <paramref name="targets"/> is <see langword="null"/>, one id as a string (no list to allocate
    /// on the relay path), or a list.
    /// </summary>
    private void PublishInvocation(RedisChannel channel, BackplaneKind kind, object? targets, IReadOnlyList<string>? excluded, SerializedHubMessage? serialized, InvocationMessage invocation)
    {
        var buffer = BackplaneEnvelope.Rent();
        WriteHeader(buffer, kind);
        if (targets is string one)
        {
            buffer.WriteVarint(1);
            buffer.WriteString(one);
        }
        else
        {
            buffer.WriteList((IReadOnlyList<string>?)targets);
        }

        buffer.WriteList(excluded);
        buffer.WriteVarint((uint)_protocols.Count);
        for (var i = 0; i < _protocols.Count; i++)
        {
            buffer.WriteRaw(_protocolNameFields[i]);
            var at = buffer.BeginPayload();
            if (serialized is not null)
            {
                // Already serialized for local connections: reuse those bytes.
                buffer.WriteRaw(serialized.GetSerializedMessage(_protocols[i]).Span);
            }
            else
            {
                _protocols[i].WriteMessage(invocation, buffer);
            }

            buffer.EndPayload(at);
        }

        _publisher.Publish(channel, BackplaneEnvelope.ToArrayAndReturn(buffer), kind, targets, invocation.Target);
    }

    private void WriteHeader(ArrayBufferWriter<byte> buffer, BackplaneKind kind)
    {
        buffer.WriteByte(BackplaneEnvelope.Version);
        buffer.WriteByte((byte)kind);
        buffer.WriteRaw(_senderField);
    }

    private RedisChannel InstanceChannel(string instanceId) =>
        _instanceChannels.TryGetValue(instanceId, out var channel)
            ? channel
            : _instanceChannels.GetOrAdd(instanceId, id => _redis.Channel(_instanceChannelPrefix + id));

    private async Task SubscribeAsync()
    {
        try
        {
            // The multiplexer keeps these handlers and subscribes them again after every reconnect,
            // even if Redis is down now: one registration for the life of the process.
            var broadcast = _subscriber.SubscribeAsync(_broadcast, _onMessage);
            var own = _subscriber.SubscribeAsync(_own, _onMessage);
            // Bounded, because connections wait for this and the client would wait forever on a hung server.
            await Task.WhenAll(broadcast, own).WaitAsync(SubscribeWait);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            BackplaneLog.SubscribeFailed(_logger, ex);
        }
    }

    private async Task ProcessAsync()
    {
        while (await _inbox.Reader.WaitToReadAsync())
        {
            while (_inbox.Reader.TryRead(out var envelope))
            {
                DispatchOrLog(envelope, inBatch: false);
            }
        }
    }

    private void DispatchOrLog(ReadOnlyMemory<byte> envelope, bool inBatch)
    {
#pragma warning disable CA1031 // One bad message must not stop delivery for the whole instance.
        try
        {
            Dispatch(envelope, inBatch);
        }
        catch (Exception ex)
        {
            BackplaneLog.BadMessage(_logger, envelope.Length, ex);
        }
#pragma warning restore CA1031
    }

    private void Dispatch(ReadOnlyMemory<byte> envelope, bool inBatch)
    {
        var reader = new EnvelopeReader(envelope);
        if (reader.Byte() != BackplaneEnvelope.Version)
        {
            throw new InvalidDataException("backplane envelope: unknown version");
        }

        var kind = (BackplaneKind)reader.Byte();
        var fromSelf = reader.StringEquals(_instanceIdUtf8);
        if (fromSelf)
        {
            // Our own broadcast, already delivered locally when it was sent.
            return;
        }

        switch (kind)
        {
            case BackplaneKind.All or BackplaneKind.Connections or BackplaneKind.Groups or BackplaneKind.Users:
                DeliverInvocation(kind, ref reader);
                break;
            case BackplaneKind.AddToGroup or BackplaneKind.RemoveFromGroup:
                ApplyGroupCommand(kind, envelope, ref reader);
                break;
            case BackplaneKind.Batch when !inBatch:
                for (var count = reader.Length(); count > 0; count--)
                {
                    DispatchOrLog(reader.Payload(), inBatch: true);
                }

                break;
            case BackplaneKind.Ack:
                if (_acks.TryGetValue((long)reader.Varint(), out var ack))
                {
                    ack.TrySetResult();
                }

                break;
            default:
                throw new InvalidDataException($"backplane envelope: unknown kind {(byte)kind}");
        }
    }

    private void DeliverInvocation(BackplaneKind kind, ref EnvelopeReader reader)
    {
        var targets = reader.List();
        var excluded = reader.List();
        var count = reader.Length();
        var serialized = new SerializedMessage[count];
        for (var i = 0; i < count; i++)
        {
            var protocol = reader.String();
            serialized[i] = new SerializedMessage(protocol, reader.Payload());
        }

        var message = new SerializedHubMessage(serialized);
        Pending pending = default;
        switch (kind)
        {
            case BackplaneKind.All:
                foreach (var connection in _connections)
                {
                    if (!Contains(excluded, connection.ConnectionId))
                    {
                        pending.Add(connection.WriteAsync(message));
                    }
                }

                break;
            case BackplaneKind.Connections:
                foreach (var id in targets)
                {
                    if (_connections[id] is { } connection)
                    {
                        pending.Add(connection.WriteAsync(message));
                    }
                }

                break;
            case BackplaneKind.Groups:
                foreach (var group in targets)
                {
                    if (_groups.Get(group) is not { } members)
                    {
                        continue;
                    }

                    foreach (var connection in members)
                    {
                        if (!Contains(excluded, connection.ConnectionId))
                        {
                            pending.Add(connection.WriteAsync(message));
                        }
                    }
                }

                break;
            case BackplaneKind.Users:
                DeliverToUsers(targets, ref pending, () => message, default);
                break;
        }

        // Not awaited: one slow client must not hold up delivery to every other connection of this
        // instance. Order per connection still holds, because each write queues on that
        // connection's write lock in call order.
        pending.Observe(_logger);
    }

    private void ApplyGroupCommand(BackplaneKind kind, ReadOnlyMemory<byte> envelope, ref EnvelopeReader reader)
    {
        var ackId = reader.Varint();
        var connectionId = reader.String();
        var group = reader.String();
        if (_connections[connectionId] is not { } connection)
        {
            return;
        }

        if (kind == BackplaneKind.AddToGroup)
        {
            AddLocal(connection, group);
        }
        else
        {
            RemoveLocal(connection, group);
        }

        // The sender's name is the string right after the two header bytes.
        var sender = new EnvelopeReader(envelope[2..]).String();
        var buffer = BackplaneEnvelope.Rent();
        WriteHeader(buffer, BackplaneKind.Ack);
        buffer.WriteVarint(ackId);
        _publisher.Publish(InstanceChannel(sender), BackplaneEnvelope.ToArrayAndReturn(buffer), BackplaneKind.Ack, sender, group);
    }

    private static bool Contains(IReadOnlyList<string> ids, string id)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            if (string.Equals(ids[i], id, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The groups one local connection is in, so a disconnect can leave them all.</summary>
    private sealed class GroupMembership
    {
        public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);

        public bool Closed { get; set; }
    }

    /// <summary>Local connections by group or by user; the lock only orders add and remove, sends read without it.</summary>
    private sealed class LocalIndex
    {
        private readonly ConcurrentDictionary<string, HubConnectionStore> _map = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public HubConnectionStore? Get(string key) => _map.TryGetValue(key, out var store) ? store : null;

        public List<string> Ids(string key)
        {
            var ids = new List<string>();
            if (Get(key) is { } store)
            {
                foreach (var connection in store)
                {
                    ids.Add(connection.ConnectionId);
                }
            }

            return ids;
        }

        public void Add(string key, HubConnectionContext connection)
        {
            lock (_lock)
            {
                if (!_map.TryGetValue(key, out var store))
                {
                    store = new HubConnectionStore();
                    _map[key] = store;
                }

                store.Add(connection);
            }
        }

        public void Remove(string key, HubConnectionContext connection)
        {
            lock (_lock)
            {
                if (_map.TryGetValue(key, out var store))
                {
                    store.Remove(connection);
                    if (store.Count == 0)
                    {
                        _map.TryRemove(key, out _);
                    }
                }
            }
        }
    }

    /// <summary>Writes still in flight; allocates only when a write does not complete at once.</summary>
    private struct Pending
    {
        private List<Task>? _tasks;

        public void Add(ValueTask write)
        {
            if (write.IsCompletedSuccessfully)
            {
                write.GetAwaiter().GetResult();
                return;
            }

            (_tasks ??= []).Add(write.AsTask());
        }

        public readonly Task WhenAll() => _tasks is null ? Task.CompletedTask : Task.WhenAll(_tasks);

        public readonly void Observe(ILogger logger)
        {
            if (_tasks is not null)
            {
                _ = ObserveAsync(Task.WhenAll(_tasks), logger);
            }
        }

        private static async Task ObserveAsync(Task writes, ILogger logger)
        {
#pragma warning disable CA1031 // A failed write to one client is that client's problem; it is logged, never rethrown.
            try
            {
                await writes;
            }
            catch (Exception ex)
            {
                BackplaneLog.WriteFailed(logger, ex);
            }
#pragma warning restore CA1031
        }
    }
}

internal static partial class BackplaneLog
{
    [LoggerMessage(LogLevel.Warning, "Backplane dropped {Kind} to {Target} ({Detail}): {Reason}; other instances did not get it")]
    public static partial void Dropped(ILogger logger, BackplaneKind kind, string target, string? detail, string reason, Exception? exception);

    [LoggerMessage(LogLevel.Warning, "Backplane dropped {Count} more messages, the last because {Reason}; other instances did not get them")]
    public static partial void DroppedMore(ILogger logger, long count, string reason);

    [LoggerMessage(LogLevel.Warning, "Backplane: no instance applied {Kind} for connection {ConnectionId} and group {Group} within {Timeout}")]
    public static partial void GroupCommandUnacknowledged(ILogger logger, BackplaneKind kind, string connectionId, string group, TimeSpan timeout);

    [LoggerMessage(LogLevel.Warning, "Backplane could not subscribe yet; the Redis client subscribes again when the connection is back")]
    public static partial void SubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Error, "Backplane ignored a message of {Length} bytes it could not process")]
    public static partial void BadMessage(ILogger logger, int length, Exception exception);

    [LoggerMessage(LogLevel.Debug, "Backplane delivery to a local connection failed")]
    public static partial void WriteFailed(ILogger logger, Exception exception);
}
