namespace Signaling.Client;

/// <summary>
/// The connection to the hub could not be opened: the server refused the negotiate or the transport
/// request (for example HTTP 401 for a missing or expired token), refused the handshake, or could not be reached.
/// The message names the hub's address without its query and never holds the access token.
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
    /// <param name="innerException">The underlying error, as Microsoft's client threw it.</param>
    public SignalingConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a refused request.</summary>
    /// <param name="message">What failed, including the status code.</param>
    /// <param name="statusCode">The HTTP status code the server refused the request with.</param>
    /// <param name="innerException">The underlying error.</param>
    public SignalingConnectionException(string message, int? statusCode, Exception? innerException)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>
    /// The HTTP status code of the refused negotiate or transport request (401, 403, 404, ...), or
    /// <see langword="null"/> when no HTTP request was refused (DNS, TCP or TLS failure, a refused handshake).
    /// </summary>
    public int? StatusCode { get; }
}
