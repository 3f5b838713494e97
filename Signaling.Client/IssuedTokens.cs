namespace Signaling.Client;

/// <summary>
/// The caller's token provider as Microsoft's client calls it, remembering the last token it handed out
/// so that a refused connect can leave that token out of its error message.
/// </summary>
internal sealed class IssuedTokens(Func<CancellationToken, ValueTask<string?>> provider)
{
    private volatile string? _issued;

    public string? Issued => _issued;

    public async Task<string?> NextAsync()
    {
        var token = await provider(CancellationToken.None).ConfigureAwait(false);
        _issued = token;
        return token;
    }
}
