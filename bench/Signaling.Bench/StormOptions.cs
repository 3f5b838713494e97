using System.Globalization;

namespace Signaling.Bench;

public sealed class StormOptions
{
    /// <summary>The first is the instance that is restarted; members of a room are spread over all of them.</summary>
    public List<Uri> Urls { get; } = [];

    public string? SigningKey { get; private set; }

    public string Issuer { get; private set; } = "signaling";

    public string Audience { get; private set; } = "signaling";

    public int Connections { get; private set; } = 10_000;

    public int RoomSize { get; private set; } = 4;

    public int Processes { get; private set; } = 2;

    /// <summary>Each retry delay is scaled by a uniform factor in [1 − jitter, 1 + jitter]; the 0-ms first retry stays 0.</summary>
    public double Jitter { get; private set; } = 0.2;

    public int ConnectParallelism { get; private set; } = 32;

    public string RunId { get; private set; } = Guid.NewGuid().ToString("N")[..8];

    public int ShardIndex { get; private set; }

    public int ShardCount { get; private set; } = 1;

    public bool IsChild { get; private set; }

    public string? Label { get; private set; }

    public List<string> RawArgs { get; } = [];

    public static string Usage => """
        Signaling.Bench storm --url http://127.0.0.1:5000 [--url http://127.0.0.1:5001] --signing-key <HS256 key>
            [--connections 10000] [--room-size 4] [--processes 2] [--jitter 0.2] [--connect-parallelism 32]
            [--issuer signaling] [--audience signaling] [--label text]
          Connects, prints CONNECTED, then reads "RESTART <new pid> <sigterm ms> <old exit ms> <new start ms>"
          (Unix ms) from stdin once the first --url's process was replaced, and reports the storm in Markdown.
        """;

    public static StormOptions Parse(string[] args)
    {
        var o = new StormOptions();
        for (var i = 1; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            switch (name)
            {
                case "--url": o.Urls.Add(new Uri(Value())); break;
                case "--signing-key": o.SigningKey = Value(); break;
                case "--issuer": o.Issuer = Value(); break;
                case "--audience": o.Audience = Value(); break;
                case "--connections": o.Connections = Int(); break;
                case "--room-size": o.RoomSize = Int(); break;
                case "--processes": o.Processes = Int(); continue;
                case "--jitter": o.Jitter = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--connect-parallelism": o.ConnectParallelism = Int(); break;
                case "--label": o.Label = Value(); continue;
                case "--run-id": o.RunId = Value(); continue;
                case "--shard": (o.ShardIndex, o.ShardCount) = BenchOptions.ParseShard(Value()); continue;
                case "--child": o.IsChild = true; continue;
                default: throw new ArgumentException($"unknown option {name}");
            }

            // Options every generator process needs are forwarded to the children as given.
            o.RawArgs.AddRange([name, args[i]]);
        }

        if (o.Urls.Count == 0 || o.SigningKey is null)
        {
            throw new ArgumentException("--url and --signing-key are required");
        }

        if (o.RoomSize < 2 || o.Connections < o.RoomSize || o.Connections % o.RoomSize != 0)
        {
            throw new ArgumentException("--connections must be a positive multiple of --room-size (at least 2)");
        }

        if (o.Jitter is < 0 or > 1 || o.Processes < 1)
        {
            throw new ArgumentException("--jitter must be between 0 and 1 and --processes at least 1");
        }

        // A reconnect holds the old socket's descriptor until it is gone and one for its negotiate request.
        if (o.Connections / o.Processes > 9_000)
        {
            throw new ArgumentException($"{o.Connections} connections need at least {(o.Connections / 9_000) + 1} --processes");
        }

        return o;
    }
}
