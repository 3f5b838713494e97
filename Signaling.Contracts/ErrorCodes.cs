namespace Signaling.Contracts;

/// <summary>
/// Stable error codes. A refused hub call throws a <c>HubException</c> whose message starts with
/// one of these codes followed by a colon (for example <c>ROOM_FULL: room 'standup' is full</c>);
/// HTTP endpoints answer problem details carrying the same code.
/// </summary>
public static class ErrorCodes
{
    /// <summary>No valid credentials were presented.</summary>
    public const string Unauthorized = "UNAUTHORIZED";

    /// <summary>The caller is authenticated but not allowed to do this (role, organization or room scope).</summary>
    public const string Forbidden = "FORBIDDEN";

    /// <summary>An argument is missing, malformed, of the wrong type or out of range.</summary>
    public const string InvalidArgument = "INVALID_ARGUMENT";

    /// <summary>A field (SDP, candidate, user data, offer or answer data, upload) is larger than its limit.</summary>
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";

    /// <summary>The caller sent more calls than its rate limit allows.</summary>
    public const string RateLimited = "RATE_LIMITED";

    /// <summary>The room does not exist.</summary>
    public const string RoomNotFound = "ROOM_NOT_FOUND";

    /// <summary>The room already has its maximum number of active participants.</summary>
    public const string RoomFull = "ROOM_FULL";

    /// <summary>The caller is not an active member of the room it names.</summary>
    public const string NotInRoom = "NOT_IN_ROOM";

    /// <summary>The target peer is not an active member of the room.</summary>
    public const string PeerNotFound = "PEER_NOT_FOUND";

    /// <summary>No client with that id exists in the caller's organization.</summary>
    public const string ClientNotFound = "CLIENT_NOT_FOUND";

    /// <summary>No connect request with that id exists for the caller.</summary>
    public const string RequestNotFound = "REQUEST_NOT_FOUND";

    /// <summary>The client's queue of pending connect requests is full.</summary>
    public const string QueueFull = "QUEUE_FULL";

    /// <summary>
    /// A dependency the call needs (such as the shared Redis, for a peer held by another instance)
    /// cannot be reached right now, so the call was not carried out (or, for a Redis that stopped
    /// answering, not confirmed); the same call may succeed later.
    /// </summary>
    public const string Unavailable = "UNAVAILABLE";

    /// <summary>Every code above, for clients that validate what they receive.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Unauthorized, Forbidden, InvalidArgument, PayloadTooLarge, RateLimited, RoomNotFound,
        RoomFull, NotInRoom, PeerNotFound, ClientNotFound, RequestNotFound, QueueFull, Unavailable,
    ];

    /// <summary>
    /// Reads the code from an error message of the form <c>CODE: detail</c>.
    /// Returns <see langword="null"/> when the message does not start with a known code.
    /// </summary>
    /// <param name="message">The error message, e.g. a <c>HubException</c> message.</param>
    public static string? Parse(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return null;
        }

        // Callers pass messages that other code may have wrapped (an exception's text around the
        // server's error), so the code is found wherever it starts a word.
        foreach (var code in All)
        {
            var at = message.IndexOf(code + ":", StringComparison.Ordinal);
            if (at == 0 || (at > 0 && !char.IsAsciiLetterUpper(message[at - 1]) && message[at - 1] != '_'))
            {
                return code;
            }
        }

        return null;
    }
}
