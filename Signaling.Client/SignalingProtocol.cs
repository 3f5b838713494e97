namespace Signaling.Client;

/// <summary>The hub protocol a <see cref="SignalingClient"/> speaks.</summary>
public enum SignalingProtocol
{
    /// <summary>SignalR's JSON protocol (text): every transport, what browsers use by default.</summary>
    Json,

    /// <summary>SignalR's MessagePack protocol (binary): smaller messages; WebSockets or Long Polling only.</summary>
    MessagePack,
}
