namespace Signaling.Contracts;

/// <summary>Size limits of the protocol. Values over a limit are refused with the code named on each member.</summary>
public static class ProtocolLimits
{
    /// <summary>Maximum length of <c>roomId</c>, <c>peerId</c>, <c>clientId</c> and <c>requestId</c> (<see cref="ErrorCodes.InvalidArgument"/>).</summary>
    public const int MaxIdLength = 128;

    /// <summary>Maximum length of a display name (<see cref="ErrorCodes.InvalidArgument"/>).</summary>
    public const int MaxDisplayNameLength = 128;

    /// <summary>Maximum UTF-8 size of an SDP, <c>offerData</c> or <c>answerData</c> (<see cref="ErrorCodes.PayloadTooLarge"/>).</summary>
    public const int MaxSdpBytes = 64 * 1024;

    /// <summary>Maximum UTF-8 size of one ICE candidate string (<see cref="ErrorCodes.PayloadTooLarge"/>).</summary>
    public const int MaxCandidateBytes = 2 * 1024;

    /// <summary>Maximum serialized size of a member's user data after a merge (<see cref="ErrorCodes.PayloadTooLarge"/>).</summary>
    public const int MaxUserDataBytes = 16 * 1024;

    /// <summary>Maximum nesting depth of user data (<see cref="ErrorCodes.InvalidArgument"/>).</summary>
    public const int MaxUserDataDepth = 8;

    /// <summary>Maximum size of one hub message; above it SignalR closes the connection (a transport limit).</summary>
    public const int MaxHubMessageBytes = 256 * 1024;

    /// <summary>
    /// Whether <paramref name="id"/> is a valid identifier: 1–128 characters of
    /// <c>A–Z a–z 0–9 . _ - : @</c>.
    /// </summary>
    /// <param name="id">The identifier to check.</param>
    public static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or ':' or '@'))
            {
                return false;
            }
        }

        return true;
    }
}
