using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Signaling.Contracts;

namespace Signaling.Hub.Hubs;

/// <summary>
/// One of SignalR's hub protocols (JSON, MessagePack) with one change: an invocation whose arguments
/// do not bind (wrong types, wrong count, unknown method) or whose frame cannot be read is routed to
/// <see cref="SignalingHub.InvalidInvocationMethod"/>, so the caller gets <c>INVALID_ARGUMENT</c>
/// through the same error filter as every other refusal instead of SignalR's generic text or a closed
/// connection. And on the way out, a refusal's error text loses the prefix SignalR puts before a
/// <c>HubException</c> message, so it starts with the code as the protocol promises.
/// </summary>
public sealed class BindingFailureProtocol(IHubProtocol inner, HubFrames frames) : IHubProtocol
{
    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        // The inner parser moves past the frame before it reads it, so a failure is located from here.
        var frameStart = input;
        try
        {
            if (!inner.TryParseMessage(ref input, binder, out message))
            {
                return false;
            }
        }
        catch (Exception ex) when (frames.IsUnreadable(ex))
        {
            // SignalR would close the connection over one unreadable frame. The inner parser reads
            // only whole frames, so skip just that one and answer it.
            input = frameStart;
            if (!frames.TrySkip(ref input, out var address))
            {
                throw;
            }

            // A frame with no invocation id has nobody to answer and becomes a ping, which the hub
            // ignores, so the frames after it in the same read are still processed.
            message = address.InvocationId is null
                ? PingMessage.Instance
                : new InvocationMessage(address.InvocationId, SignalingHub.InvalidInvocationMethod,
                    [address.Target ?? "", false, $"the message could not be read ({frames.Describe(ex)})"]);
            return true;
        }

        if (message is InvocationBindingFailureMessage failure && failure.InvocationId is not null)
        {
            var error = failure.BindingFailure.SourceException;
            var unknown = error is HubException && error.Message.Contains("does not exist", StringComparison.Ordinal);
            message = new InvocationMessage(failure.InvocationId, SignalingHub.InvalidInvocationMethod, [failure.Target, unknown, frames.Describe(error)]);
        }

        return true;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(WithBareCode(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(WithBareCode(message));

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    /// <summary>"An unexpected error occurred invoking 'X' on the server. HubException: ROOM_FULL: …" becomes "ROOM_FULL: …".</summary>
    private static HubMessage WithBareCode(HubMessage message)
    {
        if (message is not CompletionMessage { Error: { } error } completion)
        {
            return message;
        }

        var at = error.IndexOf(HubExceptionMarker, StringComparison.Ordinal);
        if (at < 0)
        {
            return message;
        }

        var bare = error[(at + HubExceptionMarker.Length)..];
        return ErrorCodes.Parse(bare) is { } code && bare.StartsWith(code, StringComparison.Ordinal)
            ? CompletionMessage.WithError(completion.InvocationId!, bare)
            : message;
    }

    private const string HubExceptionMarker = " HubException: ";
}

/// <summary>Where a protocol's invocation was sent from when its frame could not be read: whom to answer.</summary>
public readonly record struct FrameAddress(string? InvocationId, string? Target);

/// <summary>What <see cref="BindingFailureProtocol"/> needs to know of one protocol's framing and errors.</summary>
public abstract class HubFrames
{
    /// <summary>Whether the inner parser threw over one bad frame (rather than a broken stream).</summary>
    public abstract bool IsUnreadable(Exception exception);

    /// <summary>Consumes the whole frame at the start of <paramref name="input"/>; false when its end cannot be found.</summary>
    public abstract bool TrySkip(ref ReadOnlySequence<byte> input, out FrameAddress address);

    /// <summary>The part of a reader's error that may be echoed to the caller: it names the member, never server internals.</summary>
    public abstract string Describe(Exception exception);
}
