namespace Signaling.Hub.Security;

/// <summary>Configuration section <c>Signaling:Ice</c>: the STUN/TURN servers handed to clients.</summary>
public sealed class IceOptions
{
    public const string Section = "Signaling:Ice";

    private static readonly string[] DefaultStunUrls = ["stun:stun.l.google.com:19302"];

    /// <summary>
    /// Null means the default public STUN server. The configuration binder appends to a pre-filled
    /// array instead of replacing it, so the default cannot live in the initializer.
    /// One empty entry disables STUN.
    /// </summary>
    public string[]? StunUrls { get; set; }

    public string[] TurnUrls { get; set; } = [];

    public IReadOnlyList<string> EffectiveStunUrls =>
        (StunUrls ?? DefaultStunUrls).Where(u => !string.IsNullOrWhiteSpace(u)).ToArray();

    /// <summary>The shared secret of the TURN server (coturn <c>static-auth-secret</c>).</summary>
    public string? TurnSecret { get; set; }

    public TimeSpan TurnCredentialTtl { get; set; } = TimeSpan.FromHours(1);

    internal static string? Check(IceOptions o)
    {
        if (o.TurnUrls.Length > 0 && string.IsNullOrEmpty(o.TurnSecret))
        {
            return $"{Section}:TurnSecret is required when {Section}:TurnUrls is set";
        }

        if (o.TurnCredentialTtl <= TimeSpan.Zero || o.TurnCredentialTtl > TimeSpan.FromDays(7))
        {
            return $"{Section}:TurnCredentialTtl must be between 00:00:01 and 7.00:00:00";
        }

        var bad = o.EffectiveStunUrls.Concat(o.TurnUrls).FirstOrDefault(u => !u.StartsWith("stun:", StringComparison.Ordinal)
            && !u.StartsWith("stuns:", StringComparison.Ordinal) && !u.StartsWith("turn:", StringComparison.Ordinal)
            && !u.StartsWith("turns:", StringComparison.Ordinal));
        return bad is null ? null : $"{Section}: '{bad}' is not a stun:, stuns:, turn: or turns: URL";
    }
}
