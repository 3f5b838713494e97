using System.Globalization;

namespace Signaling.Bench;

public sealed class BenchOptions
{
    public string Scenario { get; private set; } = "relay";

    public string Target { get; private set; } = "signaling";

    public List<Uri> Urls { get; } = [];

    public int TotalPairs { get; private set; } = 100;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(20);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages/s offered by all processes together; 0 = closed loop, as fast as replies come back.</summary>
    public double Rate { get; private set; }

    public int Processes { get; private set; } = 1;

    public int ShardIndex { get; private set; }

    public int ShardCount { get; private set; } = 1;

    public bool IsChild { get; private set; }

    public string? SigningKey { get; private set; }

    public string Issuer { get; private set; } = "signaling";

    public string Audience { get; private set; } = "signaling";

    public Uri? TokenUrl { get; private set; }

    public string PeerJsKey { get; private set; } = "peerjs";

    /// <summary>
    /// signaling only: relay with send() (no invocationId, so no completion back to the sender) instead
    /// of invoke(). The peers' protocols have no acknowledgement; this row shows what ours costs.
    /// </summary>
    public bool NoAck { get; private set; }

    /// <summary>signaling only: the hub protocol the peers speak, <c>json</c> or <c>messagepack</c>.</summary>
    public string Protocol { get; private set; } = "json";

    /// <summary>The Nextcloud backend URL that spreed hellos carry; must be a backend of the server's config.</summary>
    public Uri? SpreedBackend { get; private set; }

    public string RunId { get; private set; } = Guid.NewGuid().ToString("N")[..8];

    public int ConnectParallelism { get; private set; } = 32;

    /// <summary>For connecting a scenario's peers: at most <see cref="ConnectParallelism"/> at once, so the server sees a ramp, not a SYN flood.</summary>
    public ParallelOptions ConnectOptions(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken };

    /// <summary>Connect+join+close cycles per generator process before connect/density measure (servers warm, as relay's warm-up window).</summary>
    public int ConnectWarmup { get; private set; } = 500;

    /// <summary>
    /// name=pid pairs whose CPU and RSS are sampled over the measured window; names starting with "redis" count as Redis,
    /// and in connect / density names starting with "backend" as an auth backend the server asks (its CPU added in a column of its own).
    /// </summary>
    public List<(string Name, int Pid)> WatchPids { get; } = [];

    public string? Label { get; private set; }

    /// <summary>fanout: rooms over all processes, one sender each.</summary>
    public int Rooms { get; private set; } = 10;

    /// <summary>Members per room; unset means the scenario's own default.</summary>
    public int? RoomSize { get; private set; }

    public int FanoutRoomSize => RoomSize ?? 10;

    public int ConnectRoomSize => RoomSize ?? 4;

    /// <summary>connect / density: connections over all processes; unset means 1,000 (connect) or --max-per-server per URL (density).</summary>
    public int? Connections { get; private set; }

    /// <summary>density: where to stop per server process, under its ~19.9k socket limit.</summary>
    public int MaxPerServer { get; private set; } = 19_000;

    /// <summary>connect / density: generator sockets per process, under the 20,000 file descriptor limit.</summary>
    public int MaxPerProcess { get; private set; } = 18_000;

    /// <summary>connect / density: wait after the last join before reading RSS, so the servers' GC can settle.</summary>
    public TimeSpan Settle { get; private set; } = TimeSpan.FromSeconds(5);

    public int TotalConnections => Connections ?? (Scenario == "density" ? MaxPerServer * Math.Max(1, Urls.Count) : 1_000);

    public string? JsonOut { get; private set; }

    public List<string> RawArgs { get; } = [];

    public static string Usage => """
        Signaling.Bench relay --url http://127.0.0.1:5000 [--url http://127.0.0.1:5001]
            --signing-key <HS256 key> | --token-url http://127.0.0.1:5000/api/dev/tokens   (target signaling only)
            [--pairs 100] [--duration 20] [--warmup 5] [--rate 0] [--processes 1]
            [--issuer signaling] [--audience signaling] [--target signaling|raw|peerjs|spreed] [--peerjs-key peerjs] [--no-ack] [--protocol json|messagepack]
            [--spreed-backend http://127.0.0.1:5002/ocs/v2.php/apps/spreed/api/v1/signaling/backend]   (target spreed only)
            [--watch hub1=PID,redis=PID] [--label text] [--json-out file]
        Signaling.Bench fanout (same connection options) [--rooms 10] [--room-size 10] [--rate 0 (updates/s)]
        Signaling.Bench connect|density (same connection options) [--connections 1000] [--room-size 4]
            [--connect-warmup 500 (per process; 0 = cold)] [--max-per-server 19000] [--max-per-process 18000] [--settle 5]
        Signaling.Bench md-header [relay|fanout|connect]
        """;

    /// <summary>A child process's <c>--shard index/count</c>.</summary>
    internal static (int Index, int Count) ParseShard(string value)
    {
        var parts = value.Split('/');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        var i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            o.Scenario = args[0];
            i = 1;
        }

        for (; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--url":
                    var value = Value();
                    o.RawArgs.AddRange([name, value]);
                    foreach (var url in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        o.Urls.Add(new Uri(url));
                    }

                    continue;
                case "--pairs": o.TotalPairs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--warmup": o.Warmup = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--rate": o.Rate = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--processes": o.Processes = int.Parse(Value(), CultureInfo.InvariantCulture); continue;
                case "--shard": (o.ShardIndex, o.ShardCount) = ParseShard(Value()); continue;
                case "--child": o.IsChild = true; continue;
                case "--signing-key": o.SigningKey = Value(); break;
                case "--issuer": o.Issuer = Value(); break;
                case "--audience": o.Audience = Value(); break;
                case "--token-url": o.TokenUrl = new Uri(Value()); break;
                case "--run-id": o.RunId = Value(); break;
                case "--target": o.Target = Value(); break;
                case "--peerjs-key": o.PeerJsKey = Value(); break;
                case "--no-ack": o.NoAck = true; o.RawArgs.Add(name); continue;
                case "--protocol": o.Protocol = Value(); break;
                case "--spreed-backend": o.SpreedBackend = new Uri(Value()); break;
                case "--connect-parallelism": o.ConnectParallelism = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--connect-warmup": o.ConnectWarmup = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--watch":
                    foreach (var entry in Value().Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var kv = entry.Split('=');
                        o.WatchPids.Add((kv[0], int.Parse(kv[1], CultureInfo.InvariantCulture)));
                    }

                    continue;
                case "--label": o.Label = Value(); continue;
                case "--rooms": o.Rooms = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--room-size": o.RoomSize = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--connections": o.Connections = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--max-per-server": o.MaxPerServer = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--max-per-process": o.MaxPerProcess = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--settle": o.Settle = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--json-out": o.JsonOut = Value(); continue;
                default: throw new ArgumentException($"unknown option {name}");
            }

            // Options every shard needs are forwarded to child processes as given.
            o.RawArgs.AddRange([name, args[i]]);
        }

        if (o.Scenario is "relay" or "fanout" or "connect" or "density")
        {
            if (o.Urls.Count == 0)
            {
                throw new ArgumentException("--url is required");
            }

            // Only our service authenticates with JWTs; the raw floor and PeerJS take the peer id as given.
            if (o.Target == "signaling" && o.SigningKey is null && o.TokenUrl is null)
            {
                throw new ArgumentException("--signing-key or --token-url is required");
            }

            if (o.Target == "spreed" && o.SpreedBackend is null)
            {
                throw new ArgumentException("--spreed-backend is required for --target spreed");
            }

            // Each socket is a file descriptor; 2 per pair must stay under the usual 20k limit per process.
            if (o.Scenario == "relay" && o.TotalPairs * 2 / Math.Max(1, o.Processes) > 19_000)
            {
                throw new ArgumentException($"{o.TotalPairs} pairs need at least {(o.TotalPairs * 2 / 19_000) + 1} --processes");
            }

            if (o.Scenario == "fanout" && (o.FanoutRoomSize < 2 || o.Rooms * o.FanoutRoomSize / Math.Max(1, o.Processes) > 19_000))
            {
                throw new ArgumentException($"fanout needs --room-size of at least 2 and at most 19,000 members per process (--processes)");
            }
        }

        return o;
    }
}
