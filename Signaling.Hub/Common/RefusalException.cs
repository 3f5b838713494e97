using Signaling.Contracts;

namespace Signaling.Hub.Common;

/// <summary>
/// A refusal with a protocol error code. Feature services throw it; the hub filter and the
/// endpoint filter turn it into a <c>HubException</c> or problem details, so services stay
/// unaware of how the caller reached them.
/// </summary>
public sealed class RefusalException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public static RefusalException InvalidArgument(string message) => new(ErrorCodes.InvalidArgument, message);

    public static RefusalException Forbidden(string message) => new(ErrorCodes.Forbidden, message);

    public static RefusalException TooLarge(string message) => new(ErrorCodes.PayloadTooLarge, message);
}
