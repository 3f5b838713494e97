namespace DotNetClient;

/// <summary>What the device does, from the command line (see <see cref="Usage"/>).</summary>
internal sealed record ClientOptions(
    Uri Server,
    string ClientId,
    string Name,
    string Org,
    string? Token,
    bool? Accept,
    string? Room,
    bool Relay)
{
    public const string Usage = """
        DotNetClient: a 'client' device of the Signaling service that admins can ask to connect.

          --server URL      the service (default http://localhost:5000)
          --id ID           the device id, the token's sub (default device-<machine name>)
          --name NAME       the display name admins see (default: the id)
          --org ORG         the organization whose admins may reach it (default demo)
          --token JWT       connect with this token instead of asking POST /api/dev/tokens (Development only)
          --accept          accept every connect request
          --decline         decline every connect request (default: only print them)
          --room ROOM       also join this room and print what its members do
          --relay           in --room, send a scripted offer to each member and answer their offers
        """;

    public static ClientOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--accept" or "--decline" or "--relay":
                    flags.Add(args[i]);
                    break;
                case "--server" or "--id" or "--name" or "--org" or "--token" or "--room" when i + 1 < args.Length:
                    values[args[i]] = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}'");
                    return null;
            }
        }

        if (flags.Contains("--accept") && flags.Contains("--decline"))
        {
            Console.Error.WriteLine("--accept and --decline exclude each other");
            return null;
        }

        if (!Uri.TryCreate(values.GetValueOrDefault("--server", "http://localhost:5000"), UriKind.Absolute, out var server))
        {
            Console.Error.WriteLine("--server must be an absolute URL");
            return null;
        }

        var id = values.GetValueOrDefault("--id", $"device-{Environment.MachineName.ToLowerInvariant()}");
        bool? accept = flags.Contains("--accept") ? true : flags.Contains("--decline") ? false : null;
        return new ClientOptions(server, id, values.GetValueOrDefault("--name", id), values.GetValueOrDefault("--org", "demo"),
            values.GetValueOrDefault("--token"), accept, values.GetValueOrDefault("--room"), flags.Contains("--relay"));
    }
}
