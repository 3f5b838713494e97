namespace Signaling.Contracts;

/// <summary>Well-known paths of the Signaling service.</summary>
public static class SignalingRoutes
{
    /// <summary>The SignalR hub, relative to the server's base address.</summary>
    public const string Hub = "/hubs/signaling";

    /// <summary>The query-string parameter browsers use to pass the bearer token to <see cref="Hub"/>.</summary>
    public const string AccessTokenQueryParameter = "access_token";
}
