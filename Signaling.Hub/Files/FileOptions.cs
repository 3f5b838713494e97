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
}
