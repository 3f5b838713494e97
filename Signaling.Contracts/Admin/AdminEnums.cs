using System.Text.Json.Serialization;

namespace Signaling.Contracts.Admin;

/// <summary>Priority of a connect request. Queued requests are delivered highest first, then oldest first.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectPriority>))]
public enum ConnectPriority
{
    /// <summary>Lowest.</summary>
    [JsonStringEnumMemberName("low")] Low,

    /// <summary>The default.</summary>
    [JsonStringEnumMemberName("normal")] Normal,

    /// <summary>Above normal.</summary>
    [JsonStringEnumMemberName("high")] High,

    /// <summary>Highest.</summary>
    [JsonStringEnumMemberName("urgent")] Urgent,
}

/// <summary>What happened to a connect request when the admin sent it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectDispatchStatus>))]
public enum ConnectDispatchStatus
{
    /// <summary>The client was online and received the request.</summary>
    [JsonStringEnumMemberName("sent")] Sent,

    /// <summary>The client was offline; the request waits in its queue.</summary>
    [JsonStringEnumMemberName("queued")] Queued,
}

/// <summary>The state of a connect request, as reported by <c>ConnectRequestUpdated</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConnectRequestStatus>))]
public enum ConnectRequestStatus
{
    /// <summary>Waiting for the client to come online.</summary>
    [JsonStringEnumMemberName("queued")] Queued,

    /// <summary>The client received the request.</summary>
    [JsonStringEnumMemberName("delivered")] Delivered,

    /// <summary>The client accepted.</summary>
    [JsonStringEnumMemberName("accepted")] Accepted,

    /// <summary>The client declined.</summary>
    [JsonStringEnumMemberName("declined")] Declined,

    /// <summary>The admin cancelled the request.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,

    /// <summary>The request's time to live ran out before the client answered.</summary>
    [JsonStringEnumMemberName("expired")] Expired,
}

/// <summary>Whether a client is connected.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClientStatus>))]
public enum ClientStatus
{
    /// <summary>Connected to some instance of the service.</summary>
    [JsonStringEnumMemberName("online")] Online,

    /// <summary>Not connected.</summary>
    [JsonStringEnumMemberName("offline")] Offline,
}

/// <summary>Kinds of entries in a client's history.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClientHistoryEventType>))]
public enum ClientHistoryEventType
{
    /// <summary>The client connected.</summary>
    [JsonStringEnumMemberName("connected")] Connected,

    /// <summary>The client disconnected.</summary>
    [JsonStringEnumMemberName("disconnected")] Disconnected,

    /// <summary>A request to it was queued.</summary>
    [JsonStringEnumMemberName("request_queued")] RequestQueued,

    /// <summary>A request reached it.</summary>
    [JsonStringEnumMemberName("request_delivered")] RequestDelivered,

    /// <summary>It accepted a request.</summary>
    [JsonStringEnumMemberName("request_accepted")] RequestAccepted,

    /// <summary>It declined a request.</summary>
    [JsonStringEnumMemberName("request_declined")] RequestDeclined,

    /// <summary>A request to it was cancelled.</summary>
    [JsonStringEnumMemberName("request_cancelled")] RequestCancelled,

    /// <summary>A request to it expired.</summary>
    [JsonStringEnumMemberName("request_expired")] RequestExpired,
}

/// <summary>Kinds of notifications an admin receives after being away.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NotificationType>))]
public enum NotificationType
{
    /// <summary>A client of the admin's organization came online.</summary>
    [JsonStringEnumMemberName("client_online")] ClientOnline,

    /// <summary>One of the admin's requests changed state.</summary>
    [JsonStringEnumMemberName("request_updated")] RequestUpdated,
}
