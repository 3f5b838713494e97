using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Signaling.Contracts.Rooms;

namespace Signaling.Hub.Security;

/// <summary>
/// ICE servers for one peer. TURN credentials from a secret follow the TURN REST API that coturn's
/// <c>use-auth-secret</c> checks, so the TURN server needs no call back to us; a fixed user and
/// password, when configured instead, go to every peer as they are.
/// </summary>
public sealed class IceServerProvider(IOptionsMonitor<IceOptions> options, TimeProvider time)
{
    public IReadOnlyList<IceServer> For(string peerId)
    {
        var o = options.CurrentValue;
        var servers = new List<IceServer>(2);
        if (o.EffectiveStunUrls is { Count: > 0 } stun)
        {
            servers.Add(new IceServer(stun));
        }

        if (o.TurnUrls.Length > 0 && o.HasSecret)
        {
            var expiry = time.GetUtcNow().Add(o.TurnCredentialTtl).ToUnixTimeSeconds();
            var username = $"{expiry}:{peerId}";
            servers.Add(new IceServer(o.TurnUrls, username, Credential(o.TurnSecret!, username)));
        }
        else if (o.TurnUrls.Length > 0 && o.HasStaticCredential)
        {
            servers.Add(new IceServer(o.TurnUrls, o.TurnUsername, o.TurnCredential));
        }

        return servers;
    }

#pragma warning disable CA5350 // The TURN REST API (and coturn) define the credential as HMAC-SHA1; no choice here.
    public static string Credential(string secret, string username) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username)));
#pragma warning restore CA5350
}
