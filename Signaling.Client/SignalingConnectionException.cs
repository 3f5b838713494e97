namespace Signaling.Client;

/// <summary>
/// The WebSocket connection to the hub could not be opened: the server refused the upgrade
/// (for example HTTP 401 for a missing or expired token) or could not be reached.
/// </summary>
public sealed class SignalingConnectionException : Exception
{
    /// <summary>Creates an exception with a default message.</summary>
    public SignalingConnectionException()
        : base("Could not connect to the signaling hub.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What failed.</param>
    public SignalingConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The underlying error, usually a <see cref="System.Net.WebSockets.WebSocketException"/>.</param>
    public SignalingConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a refused upgrade.</summary>
    /// <param name="message">What failed, including the status code.</param>
    /// <param name="statusCode">The HTTP status code the server answered the upgrade request with.</param>
    /// <param name="innerException">The underlying error.</param>
    public SignalingConnectionException(string message, int? statusCode, Exception? innerException)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>
    /// The HTTP status code of the refused upgrade (401, 403, 404, ...), or <see langword="null"/>
    /// when the server never answered (DNS, TCP or TLS failure).
    /// </summary>
    public int? StatusCode { get; }
}
