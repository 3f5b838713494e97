using System.IO.Compression;
using System.Text;

namespace Signaling.Hub.Files;

/// <summary>
/// Decides a file's type from its bytes. Names and declared types are the uploader's claims;
/// only the content says whether it is really an image or a document.
/// </summary>
public static class ContentSniffer
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string? Detect(ReadOnlyMemory<byte> content)
    {
        var b = content.Span;
        if (b.StartsWith(new byte[] { 0xFF, 0xD8, 0xFF })) return "image/jpeg";
        if (b.StartsWith(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A })) return "image/png";
        if (b.StartsWith("GIF87a"u8) || b.StartsWith("GIF89a"u8)) return "image/gif";
        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8)) return "image/webp";
        if (b.StartsWith("%PDF-"u8)) return "application/pdf";
        if (b.StartsWith("PK\x03\x04"u8) && IsDocx(content)) return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        return IsPlainText(b) ? "text/plain; charset=utf-8" : null;
    }

    /// <summary>A DOCX is a ZIP with a content-types part and a main document part; other ZIPs are refused.</summary>
    private static bool IsDocx(ReadOnlyMemory<byte> content)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(content.ToArray(), writable: false), ZipArchiveMode.Read);
            return zip.GetEntry("[Content_Types].xml") is not null && zip.GetEntry("word/document.xml") is not null;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Valid UTF-8 without NULs or control characters other than tab, CR, LF and form feed.</summary>
    private static bool IsPlainText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return false;
        }

        try
        {
            var text = StrictUtf8.GetString(bytes);
            return !text.Any(c => char.IsControl(c) && c is not ('\t' or '\r' or '\n' or '\f'));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
