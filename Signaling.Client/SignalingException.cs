using Microsoft.AspNetCore.SignalR;
using Signaling.Contracts;

namespace Signaling.Client;

/// <summary>
/// A hub call the server refused. Derives from <see cref="HubException"/> so existing
/// <c>catch (HubException)</c> blocks keep working, and adds the stable error code.
/// </summary>
public sealed class SignalingException : HubException
{
    /// <summary>Creates an exception with a default message.</summary>
    public SignalingException()
    {
    }

    /// <summary>Creates an exception from a server error message.</summary>
    /// <param name="message">The message, e.g. <c>ROOM_FULL: room 'standup' is full</c>.</param>
    public SignalingException(string? message)
        : base(message)
    {
        Code = ErrorCodes.Parse(message);
    }

    /// <summary>Creates an exception from a server error message and the exception that carried it.</summary>
    /// <param name="message">The message, e.g. <c>ROOM_FULL: room 'standup' is full</c>.</param>
    /// <param name="innerException">The original <see cref="HubException"/>.</param>
    public SignalingException(string? message, Exception? innerException)
        : base(message, innerException)
    {
        Code = ErrorCodes.Parse(message);
    }

    /// <summary>
    /// One of <see cref="ErrorCodes"/> (e.g. <see cref="ErrorCodes.RoomFull"/>), or
    /// <see langword="null"/> when the message carries no known code.
    /// </summary>
    public string? Code { get; }

    /// <summary>Wraps a <see cref="HubException"/> thrown by an invocation, keeping its message.</summary>
    /// <param name="exception">The exception thrown by <c>HubConnection.InvokeAsync</c>.</param>
    /// <returns>The same exception when it already is a <see cref="SignalingException"/>, else a new one.</returns>
    public static SignalingException From(HubException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception as SignalingException ?? new SignalingException(exception.Message, exception);
    }
}
