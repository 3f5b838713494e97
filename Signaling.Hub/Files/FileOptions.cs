using System.ComponentModel.DataAnnotations;

namespace Signaling.Hub.Files;

/// <summary>Configuration section <c>Signaling:Files</c>.</summary>
public sealed class FileOptions
{
    public const string Section = "Signaling:Files";

    /// <summary>Where uploads are kept; relative to the content root. Several instances must share it (a network path).</summary>
    [Required(ErrorMessage = "Signaling:Files:Directory is required")]
    public string Directory { get; set; } = "data/files";

    /// <summary>Largest accepted upload, in bytes.</summary>
    [Range(1, 1L << 30, ErrorMessage = "Signaling:Files:MaxBytes must be between 1 and 1073741824")]
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// Key of the download links' HMAC: the UTF-8 bytes of this string, at least 32 bytes, the same
    /// on every instance. Unset: derived from <c>Signaling:Jwt:SigningKey</c>.
    /// </summary>
    public string? UrlSigningKey { get; set; }

    /// <summary>How long a download link works without a token.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00", ErrorMessage = "Signaling:Files:UrlLifetime must be between 00:01:00 and 7.00:00:00")]
    public TimeSpan UrlLifetime { get; set; } = TimeSpan.FromHours(1);
}
