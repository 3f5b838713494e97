namespace Signaling.Hub.Security;

/// <summary>Configuration section <c>Signaling:Ice</c>: the STUN/TURN servers handed to clients.</summary>
public sealed class IceOptions
{
    public const string Section = "Signaling:Ice";

    private static readonly string[] DefaultStunUrls = ["stun:stun.l.google.com:19302"];

    /// <summary>
    /// Null means the default public STUN server. The configuration binder appends to a pre-filled
    /// array instead of replacing it, so the default cannot live in the initializer.
    /// An empty value (or one empty entry) disables STUN.
    /// </summary>
    public string[]? StunUrls { get; set; }

    public string[] TurnUrls { get; set; } = [];

    public IReadOnlyList<string> EffectiveStunUrls =>
        (StunUrls ?? DefaultStunUrls).Where(u => !string.IsNullOrWhiteSpace(u)).ToArray();

    /// <summary>The shared secret of the TURN server (coturn <c>static-auth-secret</c>): short-lived credentials per peer.</summary>
    public string? TurnSecret { get; set; }

    public TimeSpan TurnCredentialTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A fixed TURN user (coturn <c>user=</c>, <c>lt-cred-mech</c>) handed to every peer; the alternative to <see cref="TurnSecret"/>.</summary>
    public string? TurnUsername { get; set; }

    /// <summary>The password of <see cref="TurnUsername"/>.</summary>
    public string? TurnCredential { get; set; }

    public bool HasSecret => !string.IsNullOrEmpty(TurnSecret);

    public bool HasStaticCredential => !string.IsNullOrEmpty(TurnUsername) || !string.IsNullOrEmpty(TurnCredential);

    internal static string? Check(IceOptions o)
    {
        if (o.HasSecret && o.HasStaticCredential)
        {
            return $"{Section}:TurnSecret and {Section}:TurnUsername/TurnCredential are both set: give the secret (short-lived credentials, coturn use-auth-secret) or the fixed user and password, not both";
        }

        if (o.HasStaticCredential && (string.IsNullOrEmpty(o.TurnUsername) || string.IsNullOrEmpty(o.TurnCredential)))
        {
            return $"{Section}:TurnUsername and {Section}:TurnCredential go together: set both, or neither";
        }

        if ((o.HasSecret || o.HasStaticCredential) && o.TurnUrls.Length == 0)
        {
            return $"{Section}:TurnUrls is required when TURN credentials are set: e.g. turn:turn.example.com:3478 (several: comma-separated, or TurnUrls:0, TurnUrls:1)";
        }

        if (o.TurnUrls.Length > 0 && !o.HasSecret && !o.HasStaticCredential)
        {
            return $"{Section}:TurnSecret (or {Section}:TurnUsername and TurnCredential) is required when {Section}:TurnUrls is set";
        }

        if (o.TurnCredentialTtl <= TimeSpan.Zero || o.TurnCredentialTtl > TimeSpan.FromDays(7))
        {
            return $"{Section}:TurnCredentialTtl must be between 1 second and 7 days: e.g. 3600 or 01:00:00";
        }

        var bad = o.EffectiveStunUrls.Concat(o.TurnUrls).FirstOrDefault(u => !u.StartsWith("stun:", StringComparison.Ordinal)
            && !u.StartsWith("stuns:", StringComparison.Ordinal) && !u.StartsWith("turn:", StringComparison.Ordinal)
            && !u.StartsWith("turns:", StringComparison.Ordinal));
        return bad is null ? null : $"{Section}: '{bad}' is not a stun:, stuns:, turn: or turns: URL";
    }
}
