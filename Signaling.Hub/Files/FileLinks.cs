using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Signaling.Contracts;
using Signaling.Contracts.Rooms;
using Signaling.Hub.Common;
using Signaling.Hub.Rooms;
using Signaling.Hub.Security;

namespace Signaling.Hub.Files;

/// <summary>
/// Download links that work without a token, as an <c>&lt;img src&gt;</c> needs:
/// <c>/api/files/{fileId}?exp={unix seconds}&amp;sig={base64url HMAC-SHA256 of "fileId:exp"}</c>.
/// Like any capability URL, a link lets whoever holds it download the file until it expires.
/// </summary>
public sealed class FileLinks(IOptions<FileOptions> options, IOptions<JwtOptions> jwt, TimeProvider time) : IFileLinks
{
    private static readonly byte[] Purpose = "signaling file links"u8.ToArray();

    private readonly byte[] _key = KeyOf(options.Value, jwt.Value)
        ?? throw new InvalidOperationException(FileLinkKeyRule.Missing);

    public static string PathOf(string fileId) => $"/api/files/{fileId}";

    public SharedFile Link(SharedFile file)
    {
        var expiry = Expiry();
        return file with { Url = $"{PathOf(file.FileId)}?exp={expiry}&sig={Sign(file.FileId, expiry)}" };
    }

    /// <summary>Refuses a link not made here for this file (FORBIDDEN) or one past its expiry (UNAUTHORIZED).</summary>
    public void Check(string fileId, long? expiry, string? signature)
    {
        if (expiry is not { } exp || signature is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(fileId, exp)), Encoding.ASCII.GetBytes(signature)))
        {
            throw RefusalException.Forbidden("this download link was not issued for this file: use a file's 'url' unchanged");
        }

        if (exp <= time.GetUtcNow().ToUnixTimeSeconds())
        {
            throw new RefusalException(ErrorCodes.Unauthorized,
                $"this download link expired at {exp} (unix seconds): the room's members list (GET /api/rooms/{{roomId}}) has fresh ones");
        }
    }

    /// <summary>A key of its own, so that no download signature is ever something the JWT key signed.</summary>
    internal static byte[]? KeyOf(FileOptions files, JwtOptions jwt) =>
        !string.IsNullOrEmpty(files.UrlSigningKey) ? Encoding.UTF8.GetBytes(files.UrlSigningKey)
        : !string.IsNullOrEmpty(jwt.SigningKey) ? HKDF.DeriveKey(HashAlgorithmName.SHA256, jwt.SigningKeyBytes, 32, salt: [], info: Purpose)
        : null;

    // Expiries fall on steps of a quarter of the lifetime: a file keeps one link for that long, so a
    // browser reuses its cached image across the events that repeat the file, and every link handed
    // out still works for at least three quarters of the lifetime.
    private long Expiry()
    {
        var step = Math.Max(1, (long)options.Value.UrlLifetime.TotalSeconds / 4);
        return ((time.GetUtcNow().ToUnixTimeSeconds() / step) + 4) * step;
    }

    private string Sign(string fileId, long expiry) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{fileId}:{expiry}")));
}

/// <summary>The links' key must exist and be long enough before the first upload, not at it.</summary>
internal sealed class FileLinkKeyRule(IOptions<JwtOptions> jwt) : IValidateOptions<FileOptions>
{
    public const string Missing =
        $"{FileOptions.Section}:UrlSigningKey is required when {JwtOptions.Section}:Authority replaces the shared signing key: at least 32 bytes of UTF-8, the same on every instance";

    public ValidateOptionsResult Validate(string? name, FileOptions options)
    {
        if (!string.IsNullOrEmpty(options.UrlSigningKey) && Encoding.UTF8.GetByteCount(options.UrlSigningKey) < 32)
        {
            return ValidateOptionsResult.Fail(
                $"{FileOptions.Section}:UrlSigningKey is {Encoding.UTF8.GetByteCount(options.UrlSigningKey)} bytes; it needs at least 32 (the same on every instance)");
        }

        return FileLinks.KeyOf(options, jwt.Value) is null ? ValidateOptionsResult.Fail(Missing) : ValidateOptionsResult.Success;
    }
}
