using System.Net.Http.Json;
using System.Runtime.InteropServices;
using DotNetClient;
using Signaling.Client;
using Signaling.Contracts.Http;

if (args.Contains("--help") || ClientOptions.Parse(args) is not { } options)
{
    Console.WriteLine(ClientOptions.Usage);
    return args.Contains("--help") ? 0 : 2;
}

using var stop = new CancellationTokenSource();
// SIGINT and SIGTERM both mean "go offline cleanly", so admins see the device leave at once.
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

using var http = new HttpClient { BaseAddress = options.Server };

async ValueTask<string?> TokenAsync(CancellationToken cancellationToken)
{
    if (options.Token is not null)
    {
        return options.Token;
    }

    // Asked again on every reconnect, so a device that outlives its token keeps working.
    var request = new DevTokenRequest(options.ClientId, options.Name, [SignalingClaims.ClientRole], options.Org);
    using var response = await http.PostAsJsonAsync("api/dev/tokens", request, cancellationToken);
    response.EnsureSuccessStatusCode();
    var token = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
    return token?.Token;
}

// A short network drop resumes the same connection (stateful reconnect); a longer one ends it, and
// automatic reconnect opens a new one, on which the device rejoins its room (Device.Subscribe).
await using var client = SignalingClient.Create(options.Server, TokenAsync, o =>
{
    o.StatefulReconnect = true;
    o.AutomaticReconnect = true;
});
var device = new Device(client, options);
device.Subscribe();

try
{
    await client.StartAsync(stop.Token);
    Device.Log("online", $"{options.ClientId} ({options.Name}) in org {options.Org} at {options.Server}");
    await device.JoinRoomAsync(stop.Token);
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Device.Log("stopping", "signal received");
}
catch (Exception e) when (e is SignalingConnectionException or HttpRequestException or SignalingException)
{
    Device.Log("error", e.Message);
    return 1;
}

await client.StopAsync(CancellationToken.None);
Device.Log("offline", options.ClientId);
return 0;
