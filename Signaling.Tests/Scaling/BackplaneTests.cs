using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Hubs;
using Signaling.Hub.Scaling;
using Signaling.Tests.Infrastructure;

namespace Signaling.Tests.Scaling;

/// <summary>
/// Two real instances of the app sharing one real Redis: sends go in through one instance's hub
/// context and are observed on real client connections of the other. Every message is a
/// <c>SessionReplaced</c> event whose room id carries a label.
/// </summary>
public sealed class BackplaneTests : IAsyncLifetime
{
    private const string Event = nameof(ISignalingClient.SessionReplaced);

    private SignalingApplication _app1 = null!;
    private SignalingApplication _app2 = null!;
    private string _prefix = null!;

    public async Task InitializeAsync()
    {
        var redis = await RedisServer.Shared;
        _prefix = RedisServer.UniquePrefix();
        var settings = Settings(redis, _prefix);
        _app1 = new SignalingApplication(settings);
        _app2 = new SignalingApplication(settings);
    }

    public Task DisposeAsync()
    {
        _app1.Dispose();
        _app2.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void The_backplane_replaces_the_default_manager_only_when_Redis_is_configured()
    {
        Assert.IsType<RedisHubLifetimeManager<SignalingHub>>(_app1.Services.GetRequiredService<HubLifetimeManager<SignalingHub>>());
        Assert.NotEqual(Manager(_app1).InstanceId, Manager(_app2).InstanceId);

        using var single = new SignalingApplication();
        Assert.IsType<DefaultHubLifetimeManager<SignalingHub>>(single.Services.GetRequiredService<HubLifetimeManager<SignalingHub>>());
    }

    [Fact]
    public async Task Send_to_all_reaches_both_instances_once()
    {
        var (alice, _) = await Connect(_app1, "alice");
        var (bob, _) = await Connect(_app2, "bob");
        await using var a = alice;
        await using var b = bob;

        await Hub(_app1).Clients.All.SessionReplaced(new("hello"));
        Assert.Equal("hello", await Label(alice));
        Assert.Equal("hello", await Label(bob));

        // Published after app1's own copy came back to it through Redis: had app1 delivered that
        // copy too, Alice would see "hello" again before the marker.
        await Hub(_app2).Clients.All.SessionReplaced(new("marker"));
        Assert.Equal("marker", await Label(alice));
        Assert.Equal("marker", await Label(bob));
        Assert.Empty(alice.Pending(Event));
    }

    [Fact]
    public async Task Send_to_all_except_skips_the_excluded_on_either_instance()
    {
        var (alice, aliceId) = await Connect(_app1, "alice");
        var (bob, bobId) = await Connect(_app2, "bob");
        var (carol, _) = await Connect(_app2, "carol");
        await using var a = alice;
        await using var b = bob;
        await using var c = carol;

        await Hub(_app1).Clients.AllExcept([aliceId, bobId]).SessionReplaced(new("not-for-you"));
        Assert.Equal("not-for-you", await Label(carol));

        await Hub(_app1).Clients.All.SessionReplaced(new("marker"));
        Assert.Equal("marker", await Label(alice));
        Assert.Equal("marker", await Label(bob));
    }

    [Fact]
    public async Task Send_to_a_connection_on_another_instance()
    {
        var (bob, bobId) = await Connect(_app2, "bob");
        var (carol, _) = await Connect(_app2, "carol");
        await using var b = bob;
        await using var c = carol;

        await Hub(_app1).Clients.Client(bobId).SessionReplaced(new("direct"));
        Assert.Equal("direct", await Label(bob));

        await Hub(_app1).Clients.All.SessionReplaced(new("marker"));
        Assert.Equal("marker", await Label(carol));
    }

    [Fact]
    public async Task Send_to_connections_on_both_instances()
    {
        var (alice, aliceId) = await Connect(_app1, "alice");
        var (bob, bobId) = await Connect(_app2, "bob");
        var (carol, _) = await Connect(_app2, "carol");
        await using var a = alice;
        await using var b = bob;
        await using var c = carol;

        await Hub(_app1).Clients.Clients([aliceId, bobId]).SessionReplaced(new("listed"));
        Assert.Equal("listed", await Label(alice));
        Assert.Equal("listed", await Label(bob));

        await Hub(_app1).Clients.All.SessionReplaced(new("marker"));
        Assert.Equal("marker", await Label(carol));
        Assert.Equal("marker", await Label(alice));
    }

    [Fact]
    public async Task A_connection_on_another_instance_joins_a_group_through_this_one()
    {
        var (alice, aliceId) = await Connect(_app1, "alice");
        var (bob, bobId) = await Connect(_app2, "bob");
        var (carol, _) = await Connect(_app2, "carol");
        await using var a = alice;
        await using var b = bob;
        await using var c = carol;

        await Hub(_app1).Groups.AddToGroupAsync(bobId, "g").WaitAsync(Timeouts.Default);
        // The remote instance applied it before acknowledging: no waiting needed here.
        Assert.Equal([bobId], Manager(_app2).LocalConnectionIdsOfGroup("g"));
        await Hub(_app1).Groups.AddToGroupAsync(aliceId, "g");

        await Hub(_app1).Clients.Group("g").SessionReplaced(new("group"));
        Assert.Equal("group", await Label(alice));
        Assert.Equal("group", await Label(bob));

        await Hub(_app2).Clients.Group("g").SessionReplaced(new("group-from-2"));
        Assert.Equal("group-from-2", await Label(alice));
        Assert.Equal("group-from-2", await Label(bob));

        await Hub(_app1).Clients.All.SessionReplaced(new("marker"));
        Assert.Equal("marker", await Label(carol));
        Assert.Equal("marker", await Label(alice));
    }

    [Fact]
    public async Task Send_to_group_except_and_to_several_groups()
    {
        var (alice, aliceId) = await Connect(_app1, "alice");
        var (bob, bobId) = await Connect(_app2, "bob");
        var (carol, carolId) = await Connect(_app2, "carol");
        await using var a = alice;
        await using var b = bob;
        await using var c = carol;
        await Hub(_app1).Groups.AddToGroupAsync(aliceId, "g1");
        await Hub(_app1).Groups.AddToGroupAsync(bobId, "g1");
        await Hub(_app1).Groups.AddToGroupAsync(carolId, "g2");

        await Hub(_app1).Clients.GroupExcept("g1", [bobId]).SessionReplaced(new("except-bob"));
        Assert.Equal("except-bob", await Label(alice));

        await Hub(_app1).Clients.Groups(["g1", "g2"]).SessionReplaced(new("both-groups"));
        Assert.Equal("both-groups", await Label(alice));
        Assert.Equal("both-groups", await Label(bob));
        Assert.Equal("both-groups", await Label(carol));

        await Hub(_app1).Clients.GroupExcept("g1", [aliceId]).SessionReplaced(new("except-alice"));
        Assert.Equal("except-alice", await Label(bob));
        await Hub(_app1).Clients.All.SessionReplaced(new("marker"));
        Assert.Equal("marker", await Label(alice));
        Assert.Equal("marker", await Label(carol));
    }

    [Fact]
    public async Task Send_to_users_reaches_their_connections_on_every_instance()
    {
        var (dana1, _) = await Connect(_app1, "dana");
        var (dana2, _) = await Connect(_app2, "dana");
        var (erin, _) = await Connect(_app2, "erin");
        var (frank, _) = await Connect(_app1, "frank");
        await using var d1 = dana1;
        await using var d2 = dana2;
        await using var e = erin;
        await using var f = frank;

        await Hub(_app1).Clients.User("dana").SessionReplaced(new("user"));
        Assert.Equal("user", await Label(dana1));
        Assert.Equal("user", await Label(dana2));

        await Hub(_app1).Clients.Users(["dana", "erin"]).SessionReplaced(new("users"));
        Assert.Equal("users", await Label(dana1));
        Assert.Equal("users", await Label(dana2));
        Assert.Equal("users", await Label(erin));

        await Hub(_app2).Clients.All.SessionReplaced(new("marker"));
        Assert.Equal("marker", await Label(frank));
        Assert.Equal("marker", await Label(dana1));
        Assert.Equal("marker", await Label(dana2));
    }

    [Fact]
    public async Task Removing_a_remote_connection_from_a_group_stops_delivery()
    {
        var (bob, bobId) = await Connect(_app2, "bob");
        await using var b = bob;
        await Hub(_app1).Groups.AddToGroupAsync(bobId, "g");
        await Hub(_app1).Clients.Group("g").SessionReplaced(new("member"));
        Assert.Equal("member", await Label(bob));

        await Hub(_app1).Groups.RemoveFromGroupAsync(bobId, "g").WaitAsync(Timeouts.Default);
        Assert.Empty(Manager(_app2).LocalConnectionIdsOfGroup("g"));
        await Hub(_app1).Clients.Group("g").SessionReplaced(new("after-removal"));
        await Hub(_app1).Clients.Client(bobId).SessionReplaced(new("marker"));
        Assert.Equal("marker", await Label(bob));
    }

    [Fact]
    public async Task A_disconnect_leaves_every_group()
    {
        var (bob, bobId) = await Connect(_app2, "bob");
        var (carol, carolId) = await Connect(_app2, "carol");
        await using var c = carol;
        await Hub(_app1).Groups.AddToGroupAsync(bobId, "g1");
        await Hub(_app1).Groups.AddToGroupAsync(bobId, "g2");
        await Hub(_app1).Groups.AddToGroupAsync(carolId, "g1");

        await bob.DisposeAsync();
        await Eventually(() => Manager(_app2).LocalConnectionIdsOfUser("bob").Count == 0);

        Assert.Equal([carolId], Manager(_app2).LocalConnectionIdsOfGroup("g1"));
        Assert.Empty(Manager(_app2).LocalConnectionIdsOfGroup("g2"));
        await Hub(_app1).Clients.Group("g1").SessionReplaced(new("still-there"));
        Assert.Equal("still-there", await Label(carol));
    }

    [Fact]
    public async Task A_group_command_for_a_connection_no_instance_holds_completes_after_the_bounded_wait()
    {
        Manager(_app1).GroupAckTimeout = TimeSpan.FromMilliseconds(300);

        var add = Hub(_app1).Groups.AddToGroupAsync("no-such-connection", "g");
        var remove = Hub(_app1).Groups.RemoveFromGroupAsync("no-such-connection", "g");

        await Task.WhenAll(add, remove).WaitAsync(Timeouts.Default);
        Assert.Empty(Manager(_app1).LocalConnectionIdsOfGroup("g"));
        Assert.Empty(Manager(_app2).LocalConnectionIdsOfGroup("g"));
    }

    [Fact]
    public async Task A_malformed_message_on_the_channel_does_not_stop_delivery()
    {
        var (bob, bobId) = await Connect(_app2, "bob");
        await using var b = bob;
        var redis = _app1.Services.GetRequiredService<RedisConnection>();
        var channel = redis.Channel($"backplane:{typeof(SignalingHub).FullName}:all");
        Assert.StartsWith(_prefix, channel.ToString(), StringComparison.Ordinal);

        await redis.Subscriber.PublishAsync(channel, new byte[] { 1, 2, 200, 255, 255, 255, 255, 255 });
        await redis.Subscriber.PublishAsync(channel, new byte[] { 99 });
        await Hub(_app1).Clients.Client(bobId).SessionReplaced(new("after-garbage"));

        Assert.Equal("after-garbage", await Label(bob));
    }

    [Fact]
    public async Task Five_hundred_messages_to_a_remote_connection_arrive_in_order()
    {
        var (bob, bobId) = await Connect(_app2, "bob");
        await using var b = bob;
        var client = Hub(_app1).Clients.Client(bobId);

        // Started back to back without awaiting each, as the relay path of many callers would.
        var sends = Enumerable.Range(0, 500).Select(i => client.SessionReplaced(new($"m{i}"))).ToList();
        await Task.WhenAll(sends).WaitAsync(Timeouts.Default);

        for (var i = 0; i < 500; i++)
        {
            Assert.Equal($"m{i}", await Label(bob));
        }
    }

    [Fact]
    public async Task Sends_to_a_connection_on_a_known_instance_arrive_in_order_and_stay_local_when_local()
    {
        var (alice, aliceId) = await Connect(_app1, "alice");
        var (bob, bobId) = await Connect(_app2, "bob");
        await using var a = alice;
        await using var b = bob;
        var manager = Manager(_app1);

        var sends = Enumerable.Range(0, 500)
            .Select(i => manager.SendConnectionOnInstanceAsync(Manager(_app2).InstanceId, bobId, Event, [new SessionReplacedEvent($"m{i}")], default))
            .ToList();
        await Task.WhenAll(sends).WaitAsync(Timeouts.Default);
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal($"m{i}", await Label(bob));
        }

        await manager.SendConnectionOnInstanceAsync(manager.InstanceId, aliceId, Event, [new SessionReplacedEvent("local")], default);
        Assert.Equal("local", await Label(alice));
    }

    [Fact]
    public async Task A_Redis_outage_keeps_local_sends_working_logs_what_was_dropped_and_fan_out_resumes()
    {
        await using var cluster = await OwnCluster.StartAsync();
        var (redis, app1, app2, logs) = (cluster.Redis, cluster.App1, cluster.App2, cluster.Logs);
        var (alice, aliceId, bob, bobId) = (cluster.Alice, cluster.AliceId, cluster.Bob, cluster.BobId);
        await Hub(app1).Clients.Client(bobId).SessionReplaced(new("before"));
        Assert.Equal("before", await Label(bob));

        await redis.StopAsync();

        // Neither send throws to the caller; the local one is delivered, both publishes are dropped and logged.
        await Hub(app1).Clients.All.SessionReplaced(new("during")).WaitAsync(Timeouts.Default);
        await Hub(app1).Clients.Client(bobId).SessionReplaced(new("lost")).WaitAsync(Timeouts.Default);
        Assert.Equal("during", await Label(alice));
        // A send does not wait for Redis, so the drop may be logged just after it returns.
        await Eventually(() => logs.Warnings.Any(m => m.Contains("dropped All to *", StringComparison.Ordinal) && m.Contains(Event, StringComparison.Ordinal)));
        await Eventually(() => logs.Warnings.Any(m => m.Contains($"dropped Connections to {bobId}", StringComparison.Ordinal) && m.Contains(Event, StringComparison.Ordinal)));

        await redis.StartAgainAsync();

        // Both directions, without restarting either app: the Redis client reconnects and subscribes again.
        var seenByBob = await EventuallyDelivered(label => Hub(app1).Clients.Client(bobId).SessionReplaced(new(label)), bob);
        await EventuallyDelivered(label => Hub(app2).Clients.Client(aliceId).SessionReplaced(new(label)), alice);
        Assert.DoesNotContain("lost", seenByBob);
    }

    [Fact]
    public async Task An_outage_under_load_logs_the_first_drops_one_by_one_and_the_rest_as_a_count_when_Redis_is_back()
    {
        await using var cluster = await OwnCluster.StartAsync();
        var (redis, app1, logs, bobId) = (cluster.Redis, cluster.App1, cluster.Logs, cluster.BobId);

        await redis.StopAsync();
        for (var i = 0; i < 500; i++)
        {
            await Hub(app1).Clients.Client(bobId).SessionReplaced(new($"d{i}")).WaitAsync(Timeouts.Default);
        }

        // Before: one warning per message.
        await Eventually(() => logs.Warnings.Count(m => m.Contains($"dropped Connections to {bobId}", StringComparison.Ordinal)) == 10);
        await redis.StartAgainAsync();
        var connection = app1.Services.GetRequiredService<RedisConnection>();
        await Eventually(() => connection.IsConnected);

        // The first publish that goes through ends the outage: the other 490 are logged as counts (one
        // line, or one more for every 10 s it lasted), whichever way the instance learned that Redis was
        // gone: not connected, or a publish that failed. A send racing the reconnect may be dropped too.
        var after = 0;
        var deadline = DateTime.UtcNow + Timeouts.Default;
        while (!logs.Warnings.Any(m => m.Contains("more messages, the last because", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "no count of the dropped messages after Redis came back: " + string.Join("\n", logs.Warnings.TakeLast(5)));
            await Hub(app1).Clients.Client(bobId).SessionReplaced(new($"after{after++}")).WaitAsync(Timeouts.Default);
            await Task.Delay(50);
        }

        Assert.InRange(CountedDrops(logs), 490, 490 + after - 1);
        Assert.Equal(10, logs.Warnings.Count(m => m.Contains($"dropped Connections to {bobId}", StringComparison.Ordinal)));
    }

    private static long CountedDrops(LogCapture logs) => logs.Warnings
        .Select(m => System.Text.RegularExpressions.Regex.Match(m, "dropped ([0-9]+) more messages, the last because"))
        .Where(m => m.Success)
        .Sum(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_burst_on_both_channels_arrives_in_call_order_in_far_fewer_publishes()
    {
        await using var cluster = await OwnCluster.StartAsync();
        var (redis, app1, app2, bob, bobId) = (cluster.Redis, cluster.App1, cluster.App2, cluster.Bob, cluster.BobId);
        var manager = Manager(app1);
        var before = await PublishCalls(redis);

        // Runs of 50 alternating between the broadcast channel (instance unknown) and bob's instance channel:
        // coalescing must not let one channel's messages overtake the other's.
        const int count = 1000;
        var sends = Enumerable.Range(0, count)
            .Select(i => i % 100 < 50
                ? Hub(app1).Clients.Client(bobId).SessionReplaced(new($"m{i}"))
                : manager.SendConnectionOnInstanceAsync(Manager(app2).InstanceId, bobId, Event, [new SessionReplacedEvent($"m{i}")], default))
            .ToList();
        await Task.WhenAll(sends).WaitAsync(Timeouts.Default);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal($"m{i}", await Label(bob));
        }

        // Sent back to back, they leave while earlier publishes await Redis's answer: one PUBLISH each was 1000.
        var publishes = await PublishCalls(redis) - before;
        Assert.InRange(publishes, 1, count / 2);
    }

    [Fact]
    public async Task A_hung_Redis_holds_a_bounded_backlog_drops_and_logs_the_rest_and_delivers_the_backlog_when_it_answers()
    {
        await using var cluster = await OwnCluster.StartAsync();
        var (redis, app1, app2, logs) = (cluster.Redis, cluster.App1, cluster.App2, cluster.Logs);
        var (alice, aliceId, bob, bobId) = (cluster.Alice, cluster.AliceId, cluster.Bob, cluster.BobId);
        Manager(app1).PublishBacklogLimit = 100;

        await redis.PauseAsync();
        try
        {
            // The first publish goes out and is not answered; 100 wait behind it; the rest are dropped.
            for (var i = 0; i < 300; i++)
            {
                await Hub(app1).Clients.Client(bobId).SessionReplaced(new($"h{i}")).WaitAsync(Timeouts.Default);
            }

            await Hub(app1).Clients.Client(aliceId).SessionReplaced(new("local")).WaitAsync(Timeouts.Default);
            Assert.Equal("local", await Label(alice));
            // 199 dropped, ten of them logged one by one: a hung Redis under load must not flood the log with one line per message.
            Assert.Equal(10, logs.Warnings.Count(m => m.Contains($"dropped Connections to {bobId}", StringComparison.Ordinal)
                && m.Contains("100 messages are already waiting for Redis to answer", StringComparison.Ordinal)));
        }
        finally
        {
            await redis.ResumeAsync();
        }

        for (var i = 0; i <= 100; i++)
        {
            Assert.Equal($"h{i}", await Label(bob));
        }

        // The rest as one count, once Redis answered.
        await Eventually(() => logs.Warnings.Any(m => m.Contains("dropped 189 more messages, the last because 100 messages are already waiting for Redis to answer", StringComparison.Ordinal)));

        // Only once the backlog has drained: sent earlier, it would find the backlog still full and be dropped too.
        await Hub(app1).Clients.Client(bobId).SessionReplaced(new("after")).WaitAsync(Timeouts.Default);
        Assert.Equal("after", await Label(bob));
    }

    [Fact]
    public async Task A_second_stop_after_the_host_was_disposed_completes()
    {
        // WebApplicationFactory stops its host twice at once (its own stop and its deferred host's),
        // and the one that ends first disposes the container, the Redis connection with it, while
        // the other is still on its way: CI failed on that.
        var app = new SignalingApplication(Settings(await RedisServer.Shared, _prefix));
        var cluster = app.Services.GetRequiredService<RedisCluster>();
        app.Dispose();

        await cluster.StopAsync(CancellationToken.None).WaitAsync(Timeouts.Default);
    }

    [Fact]
    public async Task Instances_started_while_Redis_is_down_fan_out_once_it_is_up()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.StopAsync();
        var settings = Settings(redis, RedisServer.UniquePrefix());
        using var app1 = new SignalingApplication(settings);
        using var app2 = new SignalingApplication(settings);
        var (alice, aliceId) = await Connect(app1, "alice");
        var (bob, bobId) = await Connect(app2, "bob");
        await using var a = alice;
        await using var b = bob;

        await Hub(app1).Clients.All.SessionReplaced(new("local-only"));
        Assert.Equal("local-only", await Label(alice));

        await redis.StartAgainAsync();

        await EventuallyDelivered(label => Hub(app1).Clients.Client(bobId).SessionReplaced(new(label)), bob);
        await EventuallyDelivered(label => Hub(app2).Clients.Client(aliceId).SessionReplaced(new(label)), alice);
    }

    private static Dictionary<string, string?> Settings(RedisServer redis, string prefix) => new()
    {
        ["Signaling:Redis:ConnectionString"] = redis.ConnectionString,
        ["Signaling:Redis:KeyPrefix"] = prefix,
    };

    private static IHubContext<SignalingHub, ISignalingClient> Hub(SignalingApplication app) =>
        app.Services.GetRequiredService<IHubContext<SignalingHub, ISignalingClient>>();

    private static RedisHubLifetimeManager<SignalingHub> Manager(SignalingApplication app) =>
        (RedisHubLifetimeManager<SignalingHub>)app.Services.GetRequiredService<HubLifetimeManager<SignalingHub>>();

    /// <summary>Connects <paramref name="sub"/> and finds its connection id on the server it landed on.</summary>
    private static async Task<(TestPeer Peer, string ConnectionId)> Connect(SignalingApplication app, string sub)
    {
        var before = Manager(app).LocalConnectionIdsOfUser(sub);
        var peer = await app.ConnectAsync(Tokens.Create(sub));
        var id = Assert.Single(Manager(app).LocalConnectionIdsOfUser(sub).Except(before));
        return (peer, id);
    }

    private static async Task<string> Label(TestPeer peer) => (await peer.Next<SessionReplacedEvent>(Event)).RoomId;

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeouts.Default;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

    /// <summary>Sends numbered probes until one arrives: the probe interval bounds how soon recovery is seen, not whether.</summary>
    /// <summary>How many PUBLISH commands the server has run.</summary>
    private static async Task<long> PublishCalls(RedisServer redis)
    {
        // e.g. "calls=1000,usec=2911,usec_per_call=2.91,rejected_calls=0,failed_calls=0"
        var stats = await redis.InfoFieldAsync("commandstats", "cmdstat_publish");
        return stats is null ? 0 : long.Parse(stats.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> EventuallyDelivered(Func<string, Task> send, TestPeer receiver)
    {
        var seen = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        for (var attempt = 0; ; attempt++)
        {
            await send($"probe-{attempt}").WaitAsync(Timeouts.Default);
            await Task.Delay(100);
            seen.AddRange(receiver.Pending(Event).Cast<SessionReplacedEvent>().Select(e => e.RoomId));
            if (seen.Any(label => label.StartsWith("probe-", StringComparison.Ordinal)))
            {
                return seen;
            }

            Assert.True(DateTime.UtcNow < deadline, "cross-instance delivery did not resume after Redis came back");
        }
    }

    /// <summary>
    /// Two instances on a Redis of the test's own (to stop, freeze or count commands on), with
    /// alice connected to the first, bob to the second, and the first's warnings captured.
    /// </summary>
    private sealed class OwnCluster : IAsyncDisposable
    {
        private OwnCluster(RedisServer redis, SignalingApplication app1, SignalingApplication app2, LogCapture logs)
        {
            (Redis, App1, App2, Logs) = (redis, app1, app2, logs);
        }

        public RedisServer Redis { get; }

        public SignalingApplication App1 { get; }

        public SignalingApplication App2 { get; }

        public LogCapture Logs { get; }

        public TestPeer Alice { get; private set; } = null!;

        public string AliceId { get; private set; } = null!;

        public TestPeer Bob { get; private set; } = null!;

        public string BobId { get; private set; } = null!;

        public static async Task<OwnCluster> StartAsync()
        {
            var redis = await RedisServer.StartAsync();
            var settings = Settings(redis, RedisServer.UniquePrefix());
            var cluster = new OwnCluster(redis, new SignalingApplication(settings), new SignalingApplication(settings), new LogCapture());
            cluster.App1.Services.GetRequiredService<ILoggerFactory>().AddProvider(cluster.Logs);
            (cluster.Alice, cluster.AliceId) = await Connect(cluster.App1, "alice");
            (cluster.Bob, cluster.BobId) = await Connect(cluster.App2, "bob");
            return cluster;
        }

        public async ValueTask DisposeAsync()
        {
            await Alice.DisposeAsync();
            await Bob.DisposeAsync();
            App1.Dispose();
            App2.Dispose();
            await Redis.DisposeAsync();
        }
    }

    private sealed class LogCapture : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _warnings = new();

        public IEnumerable<string> Warnings => _warnings;

        public ILogger CreateLogger(string categoryName) => new Logger(_warnings);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> warnings) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    warnings.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
